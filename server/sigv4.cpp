#include "server/sigv4.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <boost/regex.hpp>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "server/digest.hpp"

namespace athena {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
const boost::regex kRegionPattern("[a-z]{2}(-[a-z]+)+-[0-9]+");

bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
}

void append_encoded(std::string& out, std::string_view s, bool keep_slash) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (unsigned char c : s) {
        if (unreserved(c) || (keep_slash && c == '/')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        }
    }
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// %XX decoded; a '%' not followed by two hex digits stays as it is; '+' stays '+'.
std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), out, &len);
    return std::string(reinterpret_cast<const char*>(out), len);
}

bool equal_constant_time(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t");
    return s.substr(first, last - first + 1);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const auto pos = s.find(sep, start);
        out.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return out;
}

std::string_view first_value(const HeaderLookup& headers, std::string_view name) {
    const auto v = headers.values(name);
    return v.empty() ? std::string_view{} : v.front();
}

// "5 min." as AWS words the allowed skew; seconds when it is not whole minutes.
std::string skew_text(std::chrono::seconds skew) {
    if (skew.count() % 60 == 0) return std::to_string(skew.count() / 60) + " min.";
    return std::to_string(skew.count()) + " sec.";
}

// The Authorization header's parameters, or the IncompleteSignature text.
struct ParsedAuthorization {
    std::string_view algorithm;
    std::string_view credential;
    std::string_view signed_headers;
    std::string_view signature;
};

std::optional<AwsError> parse_authorization(std::string_view header, bool has_date, ParsedAuthorization& out) {
    const std::string_view text = trim(header);
    // Parameters are separated by ',' and/or spaces; the first word is the algorithm.
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto end = text.find_first_of(", ", i);
        const std::string_view w = text.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
        if (!w.empty()) words.push_back(w);
        if (end == std::string_view::npos) break;
        i = end + 1;
    }
    out.algorithm = words.empty() ? std::string_view{} : words.front();
    for (std::size_t k = 1; k < words.size(); ++k) {
        const auto eq = words[k].find('=');
        if (eq == std::string_view::npos)
            return AwsError::incomplete_signature("'" + std::string(words[k]) +
                                                  "' not a valid key=value pair (missing equal-sign) in "
                                                  "Authorization header: '" +
                                                  std::string(header) + "'.");
        const std::string_view key = words[k].substr(0, eq), value = words[k].substr(eq + 1);
        std::string_view* slot = key == "Credential"      ? &out.credential
                                 : key == "SignedHeaders" ? &out.signed_headers
                                 : key == "Signature"     ? &out.signature
                                                          : nullptr;
        if (slot && slot->empty()) *slot = value;
    }
    std::string missing;
    if (out.credential.empty()) missing += "Authorization header requires 'Credential' parameter. ";
    if (out.signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
    if (out.signed_headers.empty()) missing += "Authorization header requires 'SignedHeaders' parameter. ";
    if (!has_date) missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    if (!missing.empty()) return AwsError::incomplete_signature(missing + "Authorization=" + std::string(header));
    return std::nullopt;
}

}  // namespace

namespace sigv4 {

std::string canonical_uri(std::string_view path) {
    std::vector<std::string_view> segments;
    for (std::string_view seg : split(path, '/')) {
        if (seg.empty() || seg == ".") continue;
        if (seg == "..") {
            if (!segments.empty()) segments.pop_back();
            continue;
        }
        segments.push_back(seg);
    }
    std::string normal = "/";
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (i > 0) normal += '/';
        normal += segments[i];
    }
    if (!segments.empty() && !path.empty() && path.back() == '/') normal += '/';
    std::string out;
    append_encoded(out, normal, true);
    return out;
}

std::string canonical_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> params;
    for (std::string_view part : split(query, '&')) {
        if (part.empty()) continue;
        const auto eq = part.find('=');
        std::pair<std::string, std::string> p;
        append_encoded(p.first, percent_decode(part.substr(0, eq)), false);
        if (eq != std::string_view::npos) append_encoded(p.second, percent_decode(part.substr(eq + 1)), false);
        params.push_back(std::move(p));
    }
    std::sort(params.begin(), params.end());
    std::string out;
    for (const auto& [k, v] : params) {
        if (!out.empty()) out += '&';
        out += k;
        out += '=';
        out += v;
    }
    return out;
}

std::string canonical_header_value(const std::vector<std::string_view>& values) {
    std::string out;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) out += ',';
        bool space = false;
        for (char c : trim(values[i])) {
            if (c == ' ' || c == '\t') {
                space = true;
                continue;
            }
            if (space) out += ' ';
            space = false;
            out += c;
        }
    }
    return out;
}

std::string canonical_request(std::string_view method, std::string_view target, const HeaderLookup& headers,
                              std::string_view signed_headers, std::string_view body, bool s3,
                              std::string_view payload_hash) {
    const auto q = target.find('?');
    const std::string_view path = target.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    const std::string names = lower(signed_headers);
    std::string out;
    out.reserve(512);
    out += method;
    out += '\n';
    if (s3)
        out += path.empty() ? std::string_view("/") : path;
    else
        out += canonical_uri(path);
    out += '\n';
    out += canonical_query(query);
    out += '\n';
    for (std::string_view name : split(names, ';')) {
        out += name;
        out += ':';
        out += canonical_header_value(headers.values(name));
        out += '\n';
    }
    out += '\n';
    out += names;
    out += '\n';
    if (s3 && !payload_hash.empty())
        out += payload_hash;
    else
        out += sha256_hex(body);
    return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request) {
    std::string out(kAlgorithm);
    out += '\n';
    out += amz_date;
    out += '\n';
    out += scope;
    out += '\n';
    out += sha256_hex(canonical_request);
    return out;
}

std::string signature(std::string_view secret, std::string_view date, std::string_view region, std::string_view service,
                      std::string_view string_to_sign) {
    std::string key = hmac_sha256("AWS4" + std::string(secret), date);
    key = hmac_sha256(key, region);
    key = hmac_sha256(key, service);
    key = hmac_sha256(key, kTerminator);
    const std::string sig = hmac_sha256(key, string_to_sign);
    return to_hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
}

std::string format_basic(Instant t) {
    const auto secs = std::chrono::floor<std::chrono::seconds>(t);
    const auto days = std::chrono::floor<std::chrono::days>(secs);
    const std::chrono::year_month_day ymd{days};
    const std::chrono::hh_mm_ss hms{secs - days};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02lldZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<long long>(hms.seconds().count()));
    return buf;
}

std::optional<Instant> parse_basic(std::string_view s) {
    if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
    auto number = [&](std::size_t pos, std::size_t len) -> int {
        int v = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (s[i] < '0' || s[i] > '9') return -1;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    const int y = number(0, 4), mo = number(4, 2), d = number(6, 2), h = number(9, 2), mi = number(11, 2),
              se = number(13, 2);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0 || h > 23 || mi > 59 || se > 59) return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                          std::chrono::day(static_cast<unsigned>(d))};
    if (!ymd.ok()) return std::nullopt;
    return Instant{std::chrono::sys_days(ymd)} + std::chrono::hours(h) + std::chrono::minutes(mi) +
           std::chrono::seconds(se);
}

}  // namespace sigv4

namespace {

// Signature expired / not yet current: the signing time against `now` and --max-skew.
std::optional<AwsError> check_skew(std::string_view amz_date, Instant signed_at, Instant now,
                                   const Sigv4Options& options) {
    const Instant real_now = std::chrono::floor<std::chrono::seconds>(now);
    if (signed_at < real_now - options.max_skew)
        return (AwsError::invalid_signature("Signature expired: " + std::string(amz_date) + " is now earlier than " +
                                            sigv4::format_basic(real_now - options.max_skew) + " (" +
                                            sigv4::format_basic(real_now) + " - " + skew_text(options.max_skew) + ")"));
    if (signed_at > real_now + options.max_skew)
        return (AwsError::invalid_signature("Signature not yet current: " + std::string(amz_date) +
                                            " is still later than " + sigv4::format_basic(real_now + options.max_skew) +
                                            " (" + sigv4::format_basic(real_now) + " + " + skew_text(options.max_skew) +
                                            ")"));

    return std::nullopt;
}

// What is wrong with a credential scope (region, service, terminator, date), "" when nothing.
std::string scope_errors(std::string_view scope_date, std::string_view region, std::string_view service,
                         std::string_view terminator, std::string_view amz_date, const Sigv4Options& options) {
    std::string scope_errors;
    if (!boost::regex_match(region.begin(), region.end(), kRegionPattern))
        scope_errors += "Credential should be scoped to a valid region, not '" + std::string(region) + "'. ";
    if (service != options.service)
        scope_errors += "Credential should be scoped to correct service: '" + options.service + "'. ";
    if (terminator != kTerminator)
        scope_errors += "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                        std::string(terminator) + "'. ";
    if (scope_date != amz_date.substr(0, 8))
        scope_errors += "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                        std::string(scope_date) + "' != '" + std::string(amz_date.substr(0, 8)) + "', from '" +
                        std::string(amz_date) + "'.";
    return scope_errors;
}

// S3's x-amz-content-sha256: absent, UNSIGNED-PAYLOAD, or the body's SHA-256.
std::optional<AwsError> check_payload_hash(std::string_view payload_hash, std::string_view body) {
    if (payload_hash.empty() || payload_hash == "UNSIGNED-PAYLOAD" || payload_hash == sigv4::sha256_hex(body))
        return std::nullopt;
    return AwsError{400,
                    "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed.",
                    {},
                    {}};
}

// Temporary credentials: their token, signed. A token on a key without one is as bad.
bool session_token_ok(const Credential& cred, const HeaderLookup& headers, bool token_signed) {
    const auto tokens = headers.values("x-amz-security-token");
    if (!cred.session_token) return tokens.empty();
    return tokens.size() == 1 && token_signed && equal_constant_time(trim(tokens.front()), *cred.session_token);
}

}  // namespace

Sigv4Outcome Sigv4Verifier::verify(const Sigv4Request& req, Instant now) const {
    Sigv4Outcome out;
    auto fail = [&](AwsError e) {
        out.error = std::move(e);
        return std::move(out);
    };

    const std::string_view authorization = first_value(req.headers, "authorization");
    if (trim(authorization).substr(0, 5) != "AWS4-") return fail(AwsError::missing_authentication_token());

    // X-Amz-Date, else Date (both in ISO 8601 basic format).
    std::string_view amz_date = trim(first_value(req.headers, "x-amz-date"));
    if (amz_date.empty()) amz_date = trim(first_value(req.headers, "date"));

    ParsedAuthorization auth;
    if (auto e = parse_authorization(authorization, !amz_date.empty(), auth)) return fail(std::move(*e));

    const auto signed_at = sigv4::parse_basic(amz_date);
    if (!signed_at)
        return fail(AwsError::incomplete_signature("Date must be in ISO-8601 'basic format'. Got '" +
                                                   std::string(amz_date) +
                                                   "'. See http://en.wikipedia.org/wiki/ISO_8601"));
    if (auto e = check_skew(amz_date, *signed_at, now, options_)) return fail(std::move(*e));

    const std::string signed_names = lower(auth.signed_headers);
    const auto names = split(signed_names, ';');
    auto is_signed = [&](std::string_view n) { return std::find(names.begin(), names.end(), n) != names.end(); };
    if (!is_signed("host"))
        return fail(
            AwsError::invalid_signature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."));

    if (auth.algorithm != kAlgorithm)
        return fail(AwsError::incomplete_signature("Unsupported AWS 'algorithm': '" + std::string(auth.algorithm) +
                                                   "' (only AWS4-HMAC-SHA256 for now). "));

    // keyid/date/region/service/terminator; trailing slashes do not count.
    std::string_view credential = auth.credential;
    while (!credential.empty() && credential.back() == '/') credential.remove_suffix(1);
    const auto parts = split(credential, '/');
    if (parts.size() != 5)
        return fail(AwsError::incomplete_signature(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" +
            std::string(auth.credential) + "'"));
    const std::string_view key_id = parts[0], scope_date = parts[1], region = parts[2], service = parts[3],
                           terminator = parts[4];
    const std::string scope_errors = athena::scope_errors(scope_date, region, service, terminator, amz_date, options_);
    if (!scope_errors.empty()) return fail(AwsError::invalid_signature(std::move(scope_errors)));

    const Credential* cred = credentials_.find(key_id);
    if (!cred) return fail(AwsError::unrecognized_client());

    const std::string scope = std::string(scope_date) + "/" + std::string(region) + "/" + std::string(service) + "/" +
                              std::string(kTerminator);
    const std::string_view payload_hash =
        options_.s3 ? trim(first_value(req.headers, "x-amz-content-sha256")) : std::string_view{};
    if (auto e = check_payload_hash(payload_hash, req.body)) return fail(std::move(*e));
    std::string canonical = sigv4::canonical_request(req.method, req.target, req.headers, auth.signed_headers, req.body,
                                                     options_.s3, payload_hash);
    std::string to_sign = sigv4::string_to_sign(amz_date, scope, canonical);
    const std::string expected = sigv4::signature(cred->secret_access_key, scope_date, region, service, to_sign);
    if (!equal_constant_time(expected, auth.signature)) {
        out.canonical_request = std::move(canonical);
        out.string_to_sign = std::move(to_sign);
        return fail(AwsError::invalid_signature(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            "Access Key and signing method. Consult the service documentation for details."));
    }

    if (!session_token_ok(*cred, req.headers, is_signed("x-amz-security-token")))
        return fail(AwsError::unrecognized_client());

    out.tenant = Tenant{cred->account_id, std::string(region)};
    return out;
}

}  // namespace athena
