// Fuzzes the IDENTIFY body: JSON decoding, nsqd's validation and the
// response encoding, with every feature on and with nsqd's defaults.
#include "protocol/identify.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace {

void require(bool ok) {
  if (!ok)
    std::abort();
}

void check_with(const nsq::identify_request& req, const nsq::settings& cfg) {
  auto client = nsq::initial_client_settings(cfg, "127.0.0.1");
  auto err = nsq::apply_identify(req, cfg, client);
  require(!(client.snappy && client.deflate) || err.has_value());
  require(client.deflate_level >= 1 && client.deflate_level <= cfg.max_deflate_level);
  require(client.sample_rate >= 0 && client.sample_rate <= 99);
  if (err) {
    require(!err->code.empty() && err->fatal);
    return;
  }
  auto doc =
      nlohmann::json::parse(nsq::encode_identify_response(client, cfg), nullptr, false);
  require(doc.is_object() && doc.size() == 13);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto req = nsq::decode_identify(body);
  if (nsq::is_error(req)) {
    require(nsq::error_of(req).wire() ==
            "E_BAD_BODY IDENTIFY failed to decode JSON body");
    return 0;
  }
  const auto& r = std::get<nsq::identify_request>(req);
  nsq::settings defaults;
  check_with(r, defaults);
  nsq::settings features;
  features.tls_available = true;
  features.snappy_enabled = true;
  features.deflate_enabled = true;
  features.max_deflate_level = 9;
  features.auth_required = true;
  check_with(r, features);
  return 0;
}
