#include "protocol/node_id.hpp"

#include <boost/crc.hpp>
#include <boost/uuid/detail/md5.hpp>

#include <string>

namespace nsq {

int64_t node_id_for(std::string_view hostname) {
  // Boost's MD5, not OpenSSL's EVP: EVP would load OpenSSL's providers and
  // configuration at every start (~3 MB of RSS) even when TLS is off.
  boost::uuids::detail::md5 md5;
  md5.process_bytes(hostname.data(), hostname.size());
  boost::uuids::detail::md5::digest_type words;
  md5.get_digest(words);
  // Boost (since 1.71, for its UUIDs' sake) returns each 32-bit word such that
  // its most significant byte is the word's first digest byte.
  unsigned char digest[16];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      digest[4 * i + j] = static_cast<unsigned char>(words[i] >> (24 - 8 * j));
  boost::crc_32_type crc;
  crc.process_bytes(digest, sizeof(digest));
  return static_cast<int64_t>(crc.checksum() % 1024);
}

int64_t cluster_node_id_for(std::string_view hostname, std::string_view tcp_address,
                            std::string_view broadcast_address,
                            std::string_view cluster_address) {
  std::string key{hostname};
  for (auto part : {tcp_address, broadcast_address, cluster_address})
    key.append("\n").append(part);
  return node_id_for(key);
}

} // namespace nsq
