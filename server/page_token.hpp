#pragma once
// Paging tokens (NextToken): an operation's cursor text, sealed with a keyed hash so that a
// token athena-emu did not issue, or one with a single character changed, is recognised as
// malformed (real Athena answers `The nextPageToken is malformed: <token>` for both).
// The key is fixed: tokens stay valid across restarts on a database file, as AWS's do; the
// hash guards against typos and tampering, it keeps nothing secret (the cursor is readable).
#include <optional>
#include <string>
#include <string_view>

namespace athena {

// base64(payload + HMAC-SHA256(payload) truncated to 16 bytes), OpenSSL libcrypto.
std::string seal_page_token(std::string_view payload);

// The payload of a token seal_page_token made; nullopt for anything else (not base64, too
// short, a wrong hash).
std::optional<std::string> open_page_token(std::string_view token);

// "The nextPageToken is malformed: <token>", the text real Athena answers (token as sent).
std::string malformed_page_token_message(std::string_view token);

}  // namespace athena
