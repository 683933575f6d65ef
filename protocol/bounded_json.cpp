#include "protocol/bounded_json.hpp"

#include <string>

namespace nsq {

namespace {

using json = nlohmann::json;

/// A SAX consumer that only counts: it stops the parser (returns false) as
/// soon as the document is deeper or larger than allowed.
class limit_checker {
public:
  explicit limit_checker(json_limits limits) : limits_(limits) {}

  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(json::number_integer_t) { return value(); }
  bool number_unsigned(json::number_unsigned_t) { return value(); }
  bool number_float(json::number_float_t, const std::string&) { return value(); }
  bool string(std::string&) { return value(); }
  bool binary(json::binary_t&) { return value(); }
  bool start_object(std::size_t) { return open(); }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(); }
  bool end_array() { return close(); }
  bool key(std::string&) { return value(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

private:
  bool value() { return ++values_ <= limits_.max_values; }
  bool open() { return value() && ++depth_ <= limits_.max_depth; }
  bool close() {
    --depth_;
    return true;
  }

  json_limits limits_;
  std::size_t depth_ = 0;
  std::size_t values_ = 0;
};

} // namespace

json parse_bounded_json(std::string_view text, json_limits limits) {
  limit_checker checker{limits};
  if (!json::sax_parse(text.begin(), text.end(), &checker))
    return json(json::value_t::discarded);
  return json::parse(text.begin(), text.end(), nullptr, false);
}

} // namespace nsq
