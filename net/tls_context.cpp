#include "net/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace nsq {

namespace asio = boost::asio;

namespace {

/// Returns OpenSSL's text for the last error of this thread (and clears it).
std::string openssl_error(const boost::system::error_code& ec) {
  auto text = ec.message();
  ERR_clear_error();
  return text;
}

/// `require`: any certificate is accepted, it only has to be presented.
int accept_any_certificate(int, X509_STORE_CTX*) {
  return 1;
}

} // namespace

std::shared_ptr<asio::ssl::context> make_tls_context(const settings& cfg,
                                                     std::string& err) {
  // Go's error for a missing file names it: check readability first.
  for (const auto* path : {&cfg.tls_cert, &cfg.tls_key, &cfg.tls_root_ca_file}) {
    if (path->empty() && path == &cfg.tls_root_ca_file)
      continue;
    if (std::FILE* f = std::fopen(path->c_str(), "r")) {
      std::fclose(f);
    } else {
      std::string why = std::strerror(errno);
      if (!why.empty()) // Go prints errno texts in lower case
        why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
      err = "open " + *path + ": " + why;
      return nullptr;
    }
  }
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(asio::ssl::context::default_workarounds |
                       asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                       asio::ssl::context::single_dh_use,
                   ec);
  if (!ec)
    ctx->use_certificate_chain_file(cfg.tls_cert, ec);
  if (ec) {
    err = "open " + cfg.tls_cert + ": " + openssl_error(ec);
    return nullptr;
  }
  ctx->use_private_key_file(cfg.tls_key, asio::ssl::context::pem, ec);
  if (ec) {
    err = "open " + cfg.tls_key + ": " + openssl_error(ec);
    return nullptr;
  }
  auto* native = ctx->native_handle();
  if (SSL_CTX_check_private_key(native) != 1) {
    err = "tls: private key does not match public key";
    ERR_clear_error();
    return nullptr;
  }
  if (SSL_CTX_set_min_proto_version(native, cfg.tls_min_version) != 1) {
    err = "unsupported minimum TLS version";
    ERR_clear_error();
    return nullptr;
  }
  const auto& policy = cfg.tls_client_auth_policy;
  if (policy == "require" || policy == "require-verify") {
    if (!cfg.tls_root_ca_file.empty())
      ctx->load_verify_file(cfg.tls_root_ca_file, ec);
    else if (policy == "require-verify")
      ctx->set_default_verify_paths(ec); // nsqd falls back to the system roots
    if (ec) {
      err = "open " + cfg.tls_root_ca_file + ": " + openssl_error(ec);
      return nullptr;
    }
    int mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(native, mode,
                       policy == "require" ? accept_any_certificate : nullptr);
  }
  return ctx;
}

} // namespace nsq
