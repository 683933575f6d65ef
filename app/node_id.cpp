#include "app/node_id.hpp"

#include <boost/crc.hpp>
#include <openssl/evp.h>

#include <unistd.h>

#include <array>
#include <climits>

namespace nsq {

int64_t node_id_for(std::string_view hostname) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(hostname.data(), hostname.size(), digest.data(), &size, EVP_md5(),
                 nullptr) != 1)
    return 0; // MD5 unavailable (FIPS-only OpenSSL): any id in range will do
  boost::crc_32_type crc;
  crc.process_bytes(digest.data(), size);
  return static_cast<int64_t>(crc.checksum() % 1024);
}

std::string os_hostname() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof(name) - 1) != 0)
    return {};
  return name;
}

} // namespace nsq
