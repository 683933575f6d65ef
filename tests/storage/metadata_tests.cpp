#include "storage/fault_helpers.hpp"
#include "storage/metadata.hpp"
#include "storage/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace nsq::storage;
using namespace nsq::storage::test;

TEST_CASE("MetadataIsNsqdsCompactJsonWithNullForEmptyLists") {
  broker_metadata m;
  CHECK(encode_metadata(m) == R"({"topics":null,"version":"1.3.0"})");
  m.topics.push_back({"dq", false, {{"ch", false}}});
  m.topics.push_back({"h1", true, {}});
  CHECK(
      encode_metadata(m) ==
      R"({"topics":[{"name":"dq","paused":false,"channels":[{"name":"ch","paused":false}]},)"
      R"({"name":"h1","paused":true,"channels":null}],"version":"1.3.0"})");
}

TEST_CASE("MetadataDecodesNsqdsFileAndAcceptsNullOrEmptyLists") {
  broker_metadata m;
  REQUIRE(
      decode_metadata(
          R"({"topics":[{"name":"dq","paused":false,"channels":[{"name":"ch","paused":true}]},
                          {"name":"h1","paused":true,"channels":null},
                          {"name":"h2","channels":[]}],"version":"1.3.0","extra":1})",
          m)
          .is_ok());
  REQUIRE(m.topics.size() == 3);
  CHECK(m.topics[0].name == "dq");
  REQUIRE(m.topics[0].channels.size() == 1);
  CHECK(m.topics[0].channels[0].paused);
  CHECK(m.topics[1].paused);
  CHECK(m.topics[1].channels.empty());
  CHECK(m.topics[2].channels.empty());
  REQUIRE(decode_metadata(R"({"topics":null,"version":"1.3.0"})", m).is_ok());
  CHECK(m.topics.empty());
  REQUIRE(decode_metadata(R"({"topics":[]})", m).is_ok());
  CHECK(m.topics.empty());
}

TEST_CASE("MalformedMetadataIsCorruptionNeverACrash") {
  broker_metadata m;
  for (const char* bad :
       {"", "{", "[]", "null", R"({"topics":{}})", R"({"topics":[1]})",
        R"({"topics":[{"name":5}]})", R"({"topics":[{"name":"a","paused":"yes"}]})",
        R"({"topics":[{"name":"a","channels":[{"name":null}]}]})",
        R"({"topics":[{"name":"a","channels":"x"}]})"}) {
    INFO(bad);
    CHECK(decode_metadata(bad, m).is_corruption());
  }
  std::string deep(100000, '[');
  CHECK(decode_metadata(deep, m).is_corruption());
}

TEST_CASE("MetadataSaveAndLoadRoundTripWithMode0600") {
  temp_dir dir;
  auto path = metadata_path(dir.path());
  CHECK(path == dir.path() + "/nsqd.dat");
  broker_metadata m;
  CHECK(load_metadata(path, m).is_not_found());
  m.topics.push_back({"t", true, {{"c", true}, {"d", false}}});
  REQUIRE(save_metadata(path, m).is_ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  broker_metadata back;
  REQUIRE(load_metadata(path, back).is_ok());
  REQUIRE(back.topics.size() == 1);
  CHECK(back.topics[0].paused);
  CHECK(back.topics[0].channels.size() == 2);
  // Replaced, not appended; no temp file left behind.
  m.topics.clear();
  REQUIRE(save_metadata(path, m).is_ok());
  REQUIRE(load_metadata(path, back).is_ok());
  CHECK(back.topics.empty());
  int files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path()))
    ++files;
  CHECK(files == 1);
}

TEST_CASE("UnparsableMetadataFileNamesTheFile") {
  temp_dir dir;
  auto path = metadata_path(dir.path());
  write_file(path, "{not json");
  broker_metadata m;
  auto st = load_metadata(path, m);
  CHECK(st.is_corruption());
  CHECK(st.message().rfind("failed to parse metadata in " + path + " - ", 0) == 0);
}
