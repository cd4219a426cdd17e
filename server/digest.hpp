#pragma once
// Hex digests shared by SigV4 (sigv4.cpp) and the console's ETags (control/console.cpp).
#include <cstddef>
#include <string>
#include <string_view>

namespace athena {

// Lower-case hex of `n` bytes.
std::string to_hex(const unsigned char* p, std::size_t n);
// Lower-case hex SHA-256.
std::string sha256_hex(std::string_view data);

}  // namespace athena
