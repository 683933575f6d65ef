#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace nsq::test {

/// A fresh directory under /tmp, removed with everything in it. As a
/// fixture's first base it outlives the actors the fixture stops.
struct temp_dir {
  std::string path;
  explicit temp_dir(std::string prefix = "caf-nsqd-test") {
    std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

} // namespace nsq::test
