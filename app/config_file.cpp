#include "app/config_file.hpp"

#include "app/duration.hpp"
#include "app/go_values.hpp"

#include <toml++/toml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <sstream>

namespace nsq {

struct config_file::impl {
  toml::table table;
};

namespace {

/// Returns the value as TOML spells it, for error messages (`"60 s"`, `[1, 2]`).
std::string shown(const toml::node& node) {
  std::ostringstream out;
  if (node.is_string())
    out << std::quoted(**node.as_string()); // toml++ would print 'lots'
  else
    node.visit([&](auto& v) { out << v; });
  return out.str();
}

std::string failed(std::string_view key, const toml::node& node, std::string_view why) {
  return "failed parsing " + std::string{key} + " " + shown(node) + " - " +
         std::string{why};
}

/// Splits nsqd's comma-separated list form (`"a,b"`); "" is the empty list.
std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  if (text.empty())
    return parts;
  std::string::size_type start = 0;
  for (;;) {
    auto comma = text.find(',', start);
    parts.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos)
      return parts;
    start = comma + 1;
  }
}

} // namespace

config_file::config_file(std::unique_ptr<impl> data, std::string origin)
    : impl_(std::move(data)), origin_(std::move(origin)) {}

config_file::~config_file() = default;

std::unique_ptr<config_file>
config_file::parse(std::string_view text, const std::string& origin, std::string& err) {
  auto data = std::make_unique<impl>();
  try {
    data->table = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    auto& at = e.source().begin;
    err = "failed to load config file " + origin + " - " + std::string{e.description()} +
          " (line " + std::to_string(at.line) + ", column " + std::to_string(at.column) +
          ")";
    return nullptr;
  }
  return std::unique_ptr<config_file>(new config_file(std::move(data), origin));
}

std::unique_ptr<config_file> config_file::load(const std::string& path,
                                               std::string& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err = "failed to load config file " + path + " - open " + path + ": " +
          std::strerror(errno);
    return nullptr;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path, err);
}

bool config_file::has(std::string_view key) {
  known_.emplace(key);
  return impl_->table.contains(key);
}

std::string config_file::read(std::string_view key, std::string& out) {
  if (!has(key))
    return {};
  auto& node = *impl_->table.get(key);
  if (!node.is_string())
    return failed(key, node, "expected a string");
  out = **node.as_string();
  return {};
}

std::string config_file::read(std::string_view key, int64_t& out) {
  if (!has(key))
    return {};
  auto& node = *impl_->table.get(key);
  if (node.is_integer()) {
    out = **node.as_integer();
    return {};
  }
  if (node.is_string() && parse_go_int(**node.as_string(), out))
    return {};
  return failed(key, node, "expected an integer");
}

std::string config_file::read(std::string_view key, bool& out) {
  if (!has(key))
    return {};
  auto& node = *impl_->table.get(key);
  if (node.is_boolean()) {
    out = **node.as_boolean();
    return {};
  }
  if (node.is_string() && parse_go_bool(**node.as_string(), out))
    return {};
  return failed(key, node, "expected a boolean");
}

std::string config_file::read(std::string_view key, std::chrono::milliseconds& out) {
  if (!has(key))
    return {};
  auto& node = *impl_->table.get(key);
  if (node.is_integer() && **node.as_integer() >= 0 &&
      **node.as_integer() <= std::chrono::milliseconds::max().count() / 1000000) {
    out = std::chrono::milliseconds{**node.as_integer()}; // nsqd: integer = milliseconds
    return {};
  }
  if (node.is_string() && parse_go_duration_strict(**node.as_string(), out))
    return {};
  return failed(key, node,
                "expected a duration (a string such as \"60s\" or \"1m30s\", or integer "
                "milliseconds)");
}

std::string config_file::read(std::string_view key, std::vector<std::string>& out) {
  if (!has(key))
    return {};
  auto& node = *impl_->table.get(key);
  if (node.is_string()) {
    out = split_commas(**node.as_string());
    return {};
  }
  std::vector<std::string> items;
  if (auto* array = node.as_array()) {
    for (auto& item : *array) {
      if (!item.is_string())
        return failed(key, node, "expected an array of strings");
      items.push_back(**item.as_string());
    }
    out = std::move(items);
    return {};
  }
  return failed(key, node, "expected an array of strings or a comma-separated string");
}

std::string config_file::read(std::string_view key, std::vector<double>& out) {
  if (!has(key))
    return {};
  auto& node = *impl_->table.get(key);
  std::vector<double> items;
  auto take = [&](const toml::node& item) {
    double v = 0;
    if (item.is_floating_point())
      v = **item.as_floating_point();
    else if (item.is_integer())
      v = static_cast<double>(**item.as_integer());
    else
      return false;
    items.push_back(v);
    return true;
  };
  bool ok = true;
  if (node.is_string()) {
    for (auto& part : split_commas(**node.as_string())) {
      double v = 0;
      ok = ok && parse_go_float(part, v);
      items.push_back(v);
    }
  } else if (auto* array = node.as_array()) {
    for (auto& item : *array)
      ok = ok && take(item);
  } else {
    ok = take(node);
  }
  if (!ok)
    return failed(key, node, "expected an array of numbers or a comma-separated string");
  out = std::move(items);
  return {};
}

std::string config_file::read_text(std::string_view key, std::string& out) {
  if (!has(key))
    return {};
  auto& node = *impl_->table.get(key);
  if (node.is_string())
    out = **node.as_string();
  else if (node.is_boolean() || node.is_integer() || node.is_floating_point())
    out = shown(node);
  else
    return failed(key, node, "expected a string");
  return {};
}

std::vector<std::string> config_file::unknown_keys() const {
  std::vector<std::string> keys;
  for (auto& [key, node] : impl_->table)
    if (known_.count(key.str()) == 0)
      keys.emplace_back(key.str());
  return keys;
}

} // namespace nsq
