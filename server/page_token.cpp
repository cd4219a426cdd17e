#include "server/page_token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace athena {
namespace {

constexpr std::string_view kKey = "athena-emu paging token v1";
constexpr std::size_t kMacBytes = 16;

std::string mac(std::string_view payload) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), kKey.data(), static_cast<int>(kKey.size()),
         reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), digest, &len);
    return std::string(reinterpret_cast<const char*>(digest), kMacBytes);
}

std::string base64(std::string_view s) {
    std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::optional<std::string> unbase64(std::string_view s) {
    if (s.empty() || s.size() % 4 != 0) return std::nullopt;
    std::string out(3 * s.size() / 4 + 1, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
    if (n < 0) return std::nullopt;
    // EVP_DecodeBlock keeps padding bytes; more than two '=' ("====") is not base64.
    const std::size_t padding = s.size() - 1 - s.find_last_not_of('=');
    if (padding > 2 || static_cast<std::size_t>(n) < padding) return std::nullopt;
    out.resize(static_cast<std::size_t>(n) - padding);
    return out;
}

}  // namespace

std::string seal_page_token(std::string_view payload) { return base64(std::string(payload) + mac(payload)); }

std::optional<std::string> open_page_token(std::string_view token) {
    auto raw = unbase64(token);
    // The encoding must be the one we write: base64 text that decodes the same way in two
    // ways (a changed padding bit) is not ours.
    if (!raw || raw->size() <= kMacBytes || base64(*raw) != token) return std::nullopt;
    const std::string payload = raw->substr(0, raw->size() - kMacBytes);
    const std::string expected = mac(payload);
    if (CRYPTO_memcmp(expected.data(), raw->data() + payload.size(), kMacBytes) != 0) return std::nullopt;
    return payload;
}

std::string malformed_page_token_message(std::string_view token) {
    return "The nextPageToken is malformed: " + std::string(token);
}

}  // namespace athena
