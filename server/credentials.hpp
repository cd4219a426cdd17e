#pragma once
// The --credentials file (CONTRACT §1, §6): the access keys the emulator knows, each with its
// secret, its account and, for temporary credentials, its session token.
//
//   [{"access_key_id": "AKIDEXAMPLE", "secret_access_key": "...", "account_id": "111122223333",
//     "session_token": "..."}]
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "state/result.hpp"

namespace athena {

struct Credential {
    std::string access_key_id;
    std::string secret_access_key;
    std::string account_id;
    std::optional<std::string> session_token;  // set: requests must carry it, signed
};

// Immutable after construction; safe to read from any thread.
class CredentialStore {
public:
    CredentialStore() = default;
    // Access key ids must be distinct (the parser guarantees it).
    explicit CredentialStore(std::vector<Credential> entries);

    // The entry of `access_key_id`, or nullptr when the key is unknown.
    const Credential* find(std::string_view access_key_id) const;
    std::size_t size() const { return by_key_.size(); }

private:
    struct KeyHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, Credential, KeyHash, std::equal_to<>> by_key_;
};

// A credentials document. Errors read "<source>: <json path>: <reason>" ("$" is the document).
Result<CredentialStore> parse_credentials_text(std::string_view text, const std::string& source);

// Reads and parses the file at `path` (errors name the file).
Result<CredentialStore> load_credentials_file(const std::string& path);

}  // namespace athena
