#include "protocol/names.hpp"

namespace nsq {

namespace {

constexpr std::string_view ephemeral_suffix = "#ephemeral";
constexpr size_t max_name_size = 64;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

/// `^[.a-zA-Z0-9_-]+(#ephemeral)?$` with the length bound, without std::regex.
bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > max_name_size)
    return false;
  std::string_view base =
      is_ephemeral(name) ? name.substr(0, name.size() - ephemeral_suffix.size()) : name;
  if (base.empty()) // the `+` needs one character before the suffix
    return false;
  for (char c : base)
    if (!is_name_char(c))
      return false;
  return true;
}

} // namespace

bool is_valid_topic_name(std::string_view name) {
  return is_valid_name(name);
}

bool is_valid_channel_name(std::string_view name) {
  return is_valid_name(name);
}

bool is_ephemeral(std::string_view name) {
  return name.size() >= ephemeral_suffix.size() &&
         name.substr(name.size() - ephemeral_suffix.size()) == ephemeral_suffix;
}

} // namespace nsq
