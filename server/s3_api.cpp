#include "server/s3_api.hpp"

#include <openssl/evp.h>

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>

#include "server/request_id.hpp"
#include "server/router.hpp"
#include "server/time_format.hpp"

namespace athena {
namespace {

constexpr std::string_view kXmlHead = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr std::size_t kMaxListKeys = 1000;

// An S3 error: its HTTP status, code, message and the XML elements after <Message>.
struct S3Error {
    unsigned status;
    std::string code, message;
    std::string extra_xml;
};

std::string xml_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string element(std::string_view name, std::string_view text) {
    return "<" + std::string(name) + ">" + xml_escape(text) + "</" + std::string(name) + ">";
}

std::string hex(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += kDigits[c >> 4];
        out += kDigits[c & 15];
    }
    return out;
}

std::optional<std::string> unhex(std::string_view s) {
    if (s.size() % 2) return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); i += 2) {
        const int hi = nibble(s[i]), lo = nibble(s[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
    }
    return out;
}

// S3's ETag of a single-part object: the quoted hex MD5 of its bytes.
std::string etag(std::string_view body) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(body.data(), body.size(), md, &len, EVP_md5(), nullptr);
    return "\"" + hex(std::string_view(reinterpret_cast<const char*>(md), len)) + "\"";
}

std::string http_date_of(Instant t) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::int64_t ms = to_epoch_ms(t);
    const std::time_t s = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    std::tm tm{};
    gmtime_r(&s, &tm);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                  kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

void add_ids(HttpResponse& r, const std::string& request_id) {
    r.headers.emplace_back("x-amz-request-id", request_id);
    r.headers.emplace_back("x-amz-id-2", hex(request_id));
}

HttpResponse error_response(const S3Error& e, const std::string& resource, const std::string& request_id) {
    HttpResponse r;
    r.status = e.status;
    r.content_type = "application/xml";
    r.body = std::string(kXmlHead) + "<Error>" + element("Code", e.code) + element("Message", e.message) + e.extra_xml +
             (resource.empty() ? std::string() : element("Resource", resource)) + element("RequestId", request_id) +
             element("HostId", hex(request_id)) + "</Error>";
    add_ids(r, request_id);
    return r;
}

// What the request names: the bucket, the key (decoded) and the query parameters.
struct S3Target {
    std::string bucket, key;
    std::string operation;  // "s3:GetObject", ...
    std::vector<std::pair<std::string, std::string>> params;

    std::optional<std::string> param(std::string_view name) const {
        for (const auto& [k, v] : params)
            if (k == name) return v;
        return std::nullopt;
    }
};

std::string operation_of(std::string_view method, const S3Target& t) {
    const bool object = !t.key.empty();
    if (method == "GET") {
        if (object) return "s3:GetObject";
        if (t.bucket.empty()) return "s3:ListBuckets";
        return t.param("list-type") == std::optional<std::string>("2") ? "s3:ListObjectsV2" : "s3:ListObjects";
    }
    if (method == "HEAD") return object ? "s3:HeadObject" : "s3:HeadBucket";
    if (method == "PUT") return object ? "s3:PutObject" : "s3:CreateBucket";
    if (method == "DELETE") return object ? "s3:DeleteObject" : "s3:DeleteBucket";
    if (method == "POST") return object ? "s3:PostObject" : "s3:DeleteObjects";
    return "s3:(unknown)";
}

std::optional<S3Target> parse_target(const HttpRequest& req) {
    auto url = boost::urls::parse_origin_form(req.target);
    if (!url) return std::nullopt;
    S3Target t;
    std::string path = url->path();
    std::string_view rest = path;
    if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    const auto hosts = req.headers.values("host");
    const std::string_view vbucket = hosts.empty() ? std::string_view{} : virtual_host_bucket(hosts.front());
    if (!vbucket.empty()) {
        t.bucket = std::string(vbucket);
        t.key = std::string(rest);
    } else {
        const auto slash = rest.find('/');
        t.bucket = std::string(rest.substr(0, slash));
        if (slash != std::string_view::npos) t.key = std::string(rest.substr(slash + 1));
    }
    for (const auto& p : url->params()) t.params.emplace_back(p.key, p.has_value ? p.value : std::string());
    t.operation = operation_of(req.method, t);
    return t;
}

std::string url_encoded(std::string_view s, bool encode) {
    if (!encode) return std::string(s);
    return boost::urls::encode(s, boost::urls::unreserved_chars + '/');
}

// ----- GetObject / HeadObject -----------------------------------------------------------

enum class RangeKind { Whole, Part, Unsatisfiable };

// "bytes=a-b", "bytes=a-", "bytes=-n" (one range; anything else is ignored, as S3 does).
RangeKind parse_range(std::string_view h, std::size_t size, std::size_t& first, std::size_t& last) {
    if (h.substr(0, 6) != "bytes=" || h.find(',') != std::string_view::npos) return RangeKind::Whole;
    h.remove_prefix(6);
    const auto dash = h.find('-');
    if (dash == std::string_view::npos) return RangeKind::Whole;
    auto number = [](std::string_view s, std::size_t& v) {
        if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
        v = std::stoull(std::string(s));
        return true;
    };
    std::size_t a = 0, b = 0;
    const bool has_a = number(h.substr(0, dash), a), has_b = number(h.substr(dash + 1), b);
    if (!has_a && !h.substr(0, dash).empty()) return RangeKind::Whole;
    if (!has_b && !h.substr(dash + 1).empty()) return RangeKind::Whole;
    if (has_a) {
        if (has_b && b < a) return RangeKind::Whole;
        if (a >= size) return RangeKind::Unsatisfiable;
        first = a;
        last = has_b ? std::min(b, size - 1) : size - 1;
        return RangeKind::Part;
    }
    if (!has_b) return RangeKind::Whole;
    if (b == 0 || size == 0) return RangeKind::Unsatisfiable;
    first = size > b ? size - b : 0;
    last = size - 1;
    return RangeKind::Part;
}

HttpResponse object_response(const HttpRequest& req, const OutputObject& o, const std::string& request_id,
                             std::optional<S3Error>& error) {
    HttpResponse r;
    r.content_type = o.content_type;
    r.body = o.body;
    r.headers.emplace_back("Last-Modified", http_date_of(o.last_modified));
    r.headers.emplace_back("ETag", etag(o.body));
    r.headers.emplace_back("Accept-Ranges", "bytes");
    const auto ranges = req.headers.values("range");
    std::size_t first = 0, last = 0;
    const RangeKind kind = ranges.empty() || req.method == "HEAD"
                               ? RangeKind::Whole
                               : parse_range(ranges.front(), o.body.size(), first, last);
    if (kind == RangeKind::Unsatisfiable) {
        error = S3Error{
            416, "InvalidRange", "The requested range is not satisfiable",
            element("RangeRequested", ranges.front()) + element("ActualObjectSize", std::to_string(o.body.size()))};
        return r;
    }
    if (kind == RangeKind::Part) {
        r.status = 206;
        r.body = o.body.substr(first, last - first + 1);
        r.headers.emplace_back("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                                                    std::to_string(o.body.size()));
    }
    add_ids(r, request_id);
    return r;
}

// ----- ListObjectsV2 --------------------------------------------------------------------

std::optional<S3Error> list_objects_v2(const S3Target& t, const std::vector<OutputObject>& objects, std::string& xml) {
    const std::string prefix = t.param("prefix").value_or("");
    const std::string delimiter = t.param("delimiter").value_or("");
    const bool url = t.param("encoding-type") == std::optional<std::string>("url");
    if (t.param("encoding-type") && !url)
        return S3Error{400, "InvalidArgument", "Invalid Encoding Method specified in Request", {}};
    std::size_t max_keys = kMaxListKeys;
    if (auto m = t.param("max-keys")) {
        if (m->empty() || m->size() > 9 || m->find_first_not_of("0123456789") != std::string::npos)
            return S3Error{400, "InvalidArgument", "Provided max-keys not an integer or within integer range", {}};
        max_keys = std::min<std::size_t>(std::stoul(*m), kMaxListKeys);
    }
    std::string after = t.param("start-after").value_or("");
    const auto token = t.param("continuation-token");
    if (token) {
        auto decoded = unhex(*token);
        if (!decoded || token->empty())
            return S3Error{400, "InvalidArgument", "The continuation token provided is incorrect", {}};
        after = *decoded;
    }
    std::string contents, prefixes, last;
    std::size_t count = 0;
    bool truncated = false;
    for (const auto& o : objects) {
        if (o.key.compare(0, prefix.size(), prefix) != 0 || o.key <= after) continue;
        std::string entry = o.key;
        bool common = false;
        if (!delimiter.empty()) {
            const auto d = o.key.find(delimiter, prefix.size());
            if (d != std::string::npos) {
                entry = o.key.substr(0, d + delimiter.size());
                common = true;
            }
        }
        if (common && (entry == last || (!after.empty() && after.compare(0, entry.size(), entry) == 0))) continue;
        if (count == max_keys) {
            truncated = true;
            break;
        }
        ++count;
        last = entry;
        if (common) {
            prefixes += "<CommonPrefixes>" + element("Prefix", url_encoded(entry, url)) + "</CommonPrefixes>";
            continue;
        }
        contents += "<Contents>" + element("Key", url_encoded(o.key, url)) +
                    element("LastModified", format_rfc3339_ms(o.last_modified)) + element("ETag", etag(o.body)) +
                    element("Size", std::to_string(o.body.size())) + element("StorageClass", "STANDARD") +
                    "</Contents>";
    }
    xml = std::string(kXmlHead) + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" +
          element("Name", t.bucket) + element("Prefix", url_encoded(prefix, url)) +
          element("KeyCount", std::to_string(count)) + element("MaxKeys", std::to_string(max_keys)) +
          (delimiter.empty() ? std::string() : element("Delimiter", url_encoded(delimiter, url))) +
          (url ? element("EncodingType", "url") : std::string()) +
          element("IsTruncated", truncated ? "true" : "false") + contents + prefixes +
          (token ? element("ContinuationToken", *token) : std::string()) +
          (truncated ? element("NextContinuationToken", hex(last)) : std::string()) +
          (t.param("start-after") ? element("StartAfter", url_encoded(*t.param("start-after"), url)) : std::string()) +
          "</ListBucketResult>";
    return std::nullopt;
}

// Errors of --auth sigv4 under their S3 names.
S3Error s3_auth_error(const AwsError& e) {
    if (e.code == "MissingAuthenticationTokenException") return {403, "AccessDenied", "Access Denied", {}};
    if (e.code == "UnrecognizedClientException")
        return {403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", {}};
    if (e.code == "InvalidSignatureException") {
        if (e.message.rfind("Signature", 0) == 0 && e.message.find("signature we calculated") == std::string::npos)
            return {403, "AccessDenied", "Request has expired", {}};
        return {403, "SignatureDoesNotMatch", e.message, {}};
    }
    if (e.code == "IncompleteSignatureException") return {400, "AuthorizationHeaderMalformed", e.message, {}};
    return {e.status, e.code, e.message, {}};
}

}  // namespace

std::string_view virtual_host_bucket(std::string_view host) {
    host = host.substr(
        0, host.rfind(':') == std::string_view::npos || host.front() == '[' ? host.size() : host.rfind(':'));
    if (host.empty() || host.front() == '[' || host.find_first_not_of("0123456789.") == std::string_view::npos)
        return {};
    constexpr std::string_view kLocal = ".localhost";
    if (host.size() > kLocal.size() && host.substr(host.size() - kLocal.size()) == kLocal)
        return host.substr(0, host.size() - kLocal.size());
    for (std::string_view marker : {".s3.", ".s3-"})
        if (const auto at = host.find(marker); at != std::string_view::npos && at > 0) return host.substr(0, at);
    return {};
}

bool is_s3_request(const HttpRequest& req) {
    // A target that is no URI path (bytes outside ASCII, absolute-form, '*') stays with the
    // AWS endpoint's 404.
    if (!boost::urls::parse_origin_form(req.target)) return false;
    const auto q = req.target.find('?');
    const std::string_view path = req.target.substr(0, q);
    if (path != "/" && !path.empty() && path.front() == '/') return true;
    if (req.authorization.find("/s3/aws4_request") != std::string_view::npos) return true;
    const auto hosts = req.headers.values("host");
    return !hosts.empty() && !virtual_host_bucket(hosts.front()).empty();
}

namespace {

// Applies an injected transport action to the answer; returns the status to journal.
unsigned apply_transport(const FaultRule& fault, HttpResponse& resp) {
    switch (fault.transport) {
        case Transport::None: return resp.status;
        case Transport::Reset: resp.delivery = Delivery::Reset; return 0;
        case Transport::Close: resp.delivery = Delivery::Close; return 0;
        case Transport::Stall: resp.delivery = Delivery::Stall; return 0;
        case Transport::Empty:
            resp.status = 200;
            resp.body.clear();
            return 200;
        case Transport::MalformedJson:
            resp.status = 200;
            resp.body = resp.body.substr(0, std::max<std::size_t>(1, resp.body.size() / 2));
            return 200;
    }
    return resp.status;
}

}  // namespace

// What one S3 request did, for the journal and the log.
struct S3Api::Exchange {
    std::string request_id;
    Tenant tenant;
    S3Target target;
    std::string resource;  // "/bucket/key"
    std::optional<S3Error> error;
    std::optional<FaultRule> fault;
    std::string session_id, calculation_id;
};

HttpResponse S3Api::serve(const HttpRequest& req, Exchange& x) {
    const std::string& op = x.target.operation;
    if (op == "s3:(unknown)" || op == "s3:ListBuckets" || op == "s3:ListObjects") {
        const bool unknown = op == "s3:(unknown)";
        x.error = S3Error{unknown ? 405u : 501u, unknown ? "MethodNotAllowed" : "NotImplemented",
                          unknown ? "The specified method is not allowed against this resource."
                                  : "athena-emu serves GetObject, HeadObject and ListObjectsV2 (list-type=2) only.",
                          unknown ? element("Method", req.method) + element("ResourceType", "OBJECT") : std::string()};
        return {};
    }
    if (op != "s3:GetObject" && op != "s3:HeadObject" && op != "s3:HeadBucket" && op != "s3:ListObjectsV2") {
        x.error = S3Error{403, "AccessDenied", "Access Denied", {}};  // writes: the output is read-only
        return {};
    }
    auto contents = service_.calculations.output_objects(x.tenant.account, x.target.bucket);
    if (!contents) {
        x.error = S3Error{500, "InternalError", contents.error().message, {}};
        return {};
    }
    if (!contents->exists) {
        x.error =
            S3Error{404, "NoSuchBucket", "The specified bucket does not exist", element("BucketName", x.target.bucket)};
        return {};
    }
    HttpResponse r;
    if (op == "s3:HeadBucket") {
        add_ids(r, x.request_id);
        r.content_type = "application/xml";
        return r;
    }
    if (op == "s3:ListObjectsV2") {
        if (auto e = list_objects_v2(x.target, contents->objects, r.body)) x.error = std::move(e);
        r.content_type = "application/xml";
        add_ids(r, x.request_id);
        return r;
    }
    auto it = std::find_if(contents->objects.begin(), contents->objects.end(),
                           [&](const OutputObject& o) { return o.key == x.target.key; });
    if (it == contents->objects.end()) {
        x.error = S3Error{404, "NoSuchKey", "The specified key does not exist.", element("Key", x.target.key)};
        return {};
    }
    x.session_id = it->session_id;
    x.calculation_id = it->calculation_id;
    return object_response(req, *it, x.request_id, x.error);
}

HttpResponse S3Api::handle(const HttpRequest& req) {
    const auto started = obs_.steady();
    const Instant received = obs_.wall.now();
    Exchange x;
    x.request_id = new_request_id();
    x.tenant = tenant_from_authorization(req.authorization, service_.default_tenant(), auth_.credentials);
    HttpResponse resp;
    auto parsed = parse_target(req);
    if (!parsed) {
        x.target.operation = "s3:(unknown)";
        x.error = S3Error{400, "InvalidURI", "Couldn't parse the specified URI.", {}};
    } else {
        x.target = std::move(*parsed);
        x.resource = "/" + x.target.bucket + (x.target.key.empty() ? "" : "/" + x.target.key);
    }
    if (!x.error && auth_.sigv4) {
        auto verified = auth_.sigv4->verify(Sigv4Request{req.method, req.target, req.headers, req.body}, received);
        if (verified)
            x.tenant = std::move(*verified.tenant);
        else
            x.error = s3_auth_error(*verified.error);
    }
    if (!x.error) {
        x.fault = obs_.faults.decide(FaultFacts{x.target.operation, {}, {}, x.tenant.account, x.tenant.region});
        if (x.fault) {
            obs_.metrics.fault_fired(x.fault->id);
            log_.log(LogLevel::Warn, "fault fired",
                     {{"request_id", x.request_id}, {"fault_id", x.fault->id}, {"operation", x.target.operation}});
            resp.delay = std::chrono::milliseconds(x.fault->latency_ms);
            if (x.fault->error)
                x.error = S3Error{x.fault->status.value_or(default_fault_status(*x.fault->error)),
                                  *x.fault->error,
                                  x.fault->message.value_or("Injected by athena-emu fault rule " + x.fault->id + "."),
                                  {}};
        }
    }
    const bool lost = x.fault && !x.fault->error && x.fault->transport != Transport::None &&
                      x.fault->transport != Transport::Empty && x.fault->transport != Transport::MalformedJson;
    if (!x.error && !lost) {
        try {
            const auto delay = resp.delay;
            resp = serve(req, x);
            resp.delay = delay;
        } catch (const std::exception& e) {
            x.error =
                S3Error{500, "InternalError", std::string("athena-emu failed to process the request: ") + e.what(), {}};
        }
    }
    if (x.error) {
        const auto delay = resp.delay;
        resp = error_response(*x.error, x.resource, x.request_id);
        resp.delay = delay;
    }
    const unsigned status = x.fault && !x.fault->error ? apply_transport(*x.fault, resp) : resp.status;
    record(x, received, status, started, resp.delay);
    return resp;
}

void S3Api::record(const Exchange& x, Instant received, unsigned status, std::chrono::steady_clock::time_point started,
                   std::chrono::milliseconds delay) {
    const double ms =
        std::chrono::duration<double, std::milli>(obs_.steady() - started).count() + static_cast<double>(delay.count());
    const std::string error_code = x.error ? x.error->code : std::string();
    obs_.metrics.observe(x.target.operation, status, error_code, ms / 1000.0);
    obs_.journal.add(JournalEntry{received, x.request_id, x.tenant.account, x.tenant.region, x.target.operation,
                                  x.session_id, x.calculation_id, std::string(), status, error_code, ms,
                                  x.fault ? x.fault->id : std::string()});
    if (!log_.enabled(LogLevel::Info)) return;
    auto f = request_log_fields(x.request_id, x.tenant.account, x.tenant.region, x.target.operation);
    if (!x.resource.empty()) f.push_back({"resource", x.resource});
    f.push_back({"status", std::to_string(status), true});
    if (x.error) f.push_back({"error", x.error->code});
    f.push_back({"latency_ms", latency_ms_text(ms), true});
    if (x.fault) f.push_back({"fault_id", x.fault->id});
    log_.log(LogLevel::Info, "request", f);
}

}  // namespace athena
