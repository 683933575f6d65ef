#include "app/go_flags.hpp"

namespace nsq {

std::string split_go_flags(const std::vector<std::string>& args,
                           const std::function<go_flag_arity(std::string_view)>& lookup,
                           go_flag_args& out) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') {
      out.rest.assign(args.begin() + static_cast<long>(i), args.end());
      return {};
    }
    if (arg == "--") {
      out.rest.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      return {};
    }
    auto body = arg.substr(arg[1] == '-' ? 2 : 1);
    if (body.empty() || body[0] == '-' || body[0] == '=')
      return "bad flag syntax: " + std::string{arg};
    auto eq = body.find('=');
    std::string name{body.substr(0, eq)};
    bool has_value = eq != std::string_view::npos;
    std::string value = has_value ? std::string{body.substr(eq + 1)} : std::string{};
    auto arity = lookup(name);
    if (arity == go_flag_arity::unknown) {
      if (name == "h" || name == "help") {
        out.help = true;
        return {};
      }
      return "flag provided but not defined: -" + name;
    }
    if (arity == go_flag_arity::boolean && !has_value)
      value = "true";
    else if (!has_value) {
      if (i + 1 >= args.size())
        return "flag needs an argument: -" + name;
      value = args[++i];
    }
    out.given.emplace_back(std::move(name), std::move(value));
  }
  return {};
}

} // namespace nsq
