#include "server/credentials.hpp"

#include <boost/json.hpp>
#include <boost/regex.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "control/fixture_parser.hpp"
#include "server/json_reader.hpp"

namespace athena {

namespace json = boost::json;

namespace {

const boost::regex kAccessKeyPattern("[A-Za-z0-9_.-]{1,128}");
const boost::regex kAccountPattern("[0-9]{12}");

// A non-empty string member; absent: "is required" when `required`, else "".
std::string string_member(const JsonReader& o, std::string_view key, bool required) {
    auto m = o.find(key);
    if (!m) {
        if (required) o.need(key);
        return {};
    }
    std::string s = m->string();
    if (s.empty()) m->fail("must not be empty");
    return s;
}

bool printable_ascii(std::string_view s) {
    for (char c : s)
        if (c < 0x20 || c > 0x7e) return false;
    return true;
}

Credential parse_entry(const JsonReader& o) {
    for (const auto& kv : o.object()) {
        const std::string_view k = kv.key();
        if (k != "access_key_id" && k != "secret_access_key" && k != "account_id" && k != "session_token")
            throw JsonPathError{o.member_path(k),
                                "unknown field (expected access_key_id, secret_access_key, account_id, session_token)"};
    }
    Credential c;
    c.access_key_id = string_member(o, "access_key_id", true);
    if (!boost::regex_match(c.access_key_id, kAccessKeyPattern))
        o.need("access_key_id")
            .fail("must be 1 to 128 letters, digits, '_', '.' or '-' (got \"" + c.access_key_id + "\")");
    c.secret_access_key = string_member(o, "secret_access_key", true);
    c.account_id = string_member(o, "account_id", true);
    if (!boost::regex_match(c.account_id, kAccountPattern))
        o.need("account_id").fail("must be a 12-digit AWS account id (got \"" + c.account_id + "\")");
    if (auto token = o.find("session_token")) {
        c.session_token = string_member(o, "session_token", false);
        if (!printable_ascii(*c.session_token))
            token->fail("must be printable ASCII (it travels in the X-Amz-Security-Token header)");
    }
    return c;
}

std::vector<Credential> parse_entries(const JsonReader& doc) {
    if (!doc.value().is_array())
        doc.fail("must be a JSON list of {\"access_key_id\", \"secret_access_key\", \"account_id\"} objects");
    const auto& list = doc.array();
    if (list.empty()) doc.fail("must list at least one credential");
    std::vector<Credential> out;
    std::unordered_map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const JsonReader entry = doc.element(i);
        Credential c = parse_entry(entry);
        if (auto [it, fresh] = seen.emplace(c.access_key_id, i); !fresh)
            entry.need("access_key_id")
                .fail("\"" + c.access_key_id + "\" is already listed at [" + std::to_string(it->second) +
                      "]: each access key once");
        out.push_back(std::move(c));
    }
    return out;
}

Error credentials_error(const std::string& source, const std::string& path, const std::string& reason) {
    return make_error(ErrorKind::InvalidArgument, source + ": " + path + ": " + reason);
}

}  // namespace

CredentialStore::CredentialStore(std::vector<Credential> entries) {
    for (auto& c : entries) {
        std::string key = c.access_key_id;
        by_key_.emplace(std::move(key), std::move(c));
    }
}

const Credential* CredentialStore::find(std::string_view access_key_id) const {
    auto it = by_key_.find(access_key_id);
    return it == by_key_.end() ? nullptr : &it->second;
}

Result<CredentialStore> parse_credentials_text(std::string_view text, const std::string& source) {
    json::stream_parser parser;
    boost::system::error_code ec;
    const std::size_t used = parser.write(text.data(), text.size(), ec);
    if (!ec) parser.finish(ec);
    if (ec) return credentials_error(source, "$", json_syntax_error(text, used, ec));
    const json::value doc = parser.release();
    try {
        return CredentialStore(parse_entries(JsonReader(doc, "")));
    } catch (const JsonPathError& e) {
        return credentials_error(source, e.path, e.reason);
    }
}

Result<CredentialStore> load_credentials_file(const std::string& path) {
    std::error_code fs_ec;
    if (!std::filesystem::is_regular_file(path, fs_ec))
        return make_error(ErrorKind::InvalidArgument, path + ": no such credentials file (give a JSON file)");
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorKind::InvalidArgument, path + ": cannot read the credentials file");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return make_error(ErrorKind::InvalidArgument, path + ": cannot read the credentials file");
    return parse_credentials_text(text.str(), path);
}

}  // namespace athena
