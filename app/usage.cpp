#include "app/usage.hpp"

#include "app/duration.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace nsq {

namespace {

/// The argument name Go prints after the flag (empty for booleans).
std::string_view type_name(const option_spec& spec) {
  switch (spec.kind) {
  case option_kind::text:
    return "string";
  case option_kind::integer:
    return "int";
  case option_kind::duration:
    return "duration";
  case option_kind::boolean:
    return "";
  default:
    return spec.bool_flag ? "" : "value";
  }
}

/// Returns the default Go shows, or "" when it is the type's zero value.
std::string shown_default(const option_spec& spec) {
  static const settings defaults;
  if (spec.kind == option_kind::custom)
    return std::string{spec.shown_default};
  std::ostringstream out;
  if (auto p = std::get_if<std::string settings::*>(&spec.target)) {
    if (!(defaults.*(*p)).empty())
      out << std::quoted(defaults.*(*p));
  } else if (auto p = std::get_if<int64_t settings::*>(&spec.target)) {
    if (defaults.*(*p) != 0)
      out << defaults.*(*p);
  } else if (auto p = std::get_if<settings::ms settings::*>(&spec.target)) {
    if ((defaults.*(*p)).count() != 0)
      out << go_duration_text(defaults.*(*p));
  } else if (auto p = std::get_if<bool settings::*>(&spec.target)) {
    if (defaults.*(*p))
      out << "true";
  }
  return out.str();
}

void print_flag(std::ostream& out, std::string_view name, std::string_view type,
                std::string_view help, const std::string& dflt) {
  out << "  -" << name;
  if (!type.empty())
    out << " " << type;
  out << "\n    \t" << help;
  if (!dflt.empty())
    out << " (default " << dflt << ")";
  out << "\n";
}

} // namespace

std::string usage_text(const std::vector<option_spec>& options) {
  struct line {
    std::string_view name;
    std::string_view type;
    std::string_view help;
    std::string dflt;
  };
  std::vector<line> lines = {{"config", "string", "path to config file", ""},
                             {"version", "", "print version string", ""}};
  for (auto& spec : options)
    lines.push_back({spec.flag, type_name(spec), spec.help, shown_default(spec)});
  std::sort(lines.begin(), lines.end(),
            [](const line& a, const line& b) { return a.name < b.name; });
  std::ostringstream out;
  out << "Usage of nsqd:\n";
  for (auto& l : lines)
    print_flag(out, l.name, l.type, l.help, l.dflt);
  return out.str();
}

} // namespace nsq
