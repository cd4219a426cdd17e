#include "server/wire_model.hpp"

#include <boost/regex.hpp>
#include <boost/regex/pending/unicode_iterator.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <mutex>

namespace athena {
namespace shapes {
namespace {
using T = ShapeType;
constexpr std::int64_t kNoLimit = INT64_MAX;
Shape str(std::optional<std::int64_t> min = {}, std::optional<std::int64_t> max = {}, const char* pattern = nullptr) {
    return Shape{T::String, min, max, pattern, {}, {}, nullptr, nullptr};
}
Shape integer(std::optional<std::int64_t> min, std::optional<std::int64_t> max, T type = T::Integer) {
    return Shape{type, min, max, nullptr, {}, {}, nullptr, nullptr};
}
Shape enumeration(std::vector<std::string_view> values) {
    return Shape{T::String, {}, {}, nullptr, std::move(values), {}, nullptr, nullptr};
}
Shape structure(std::vector<Member> members) {
    return Shape{T::Structure, {}, {}, nullptr, {}, std::move(members), nullptr, nullptr};
}
Shape list(const Shape* element, std::optional<std::int64_t> min = {}, std::optional<std::int64_t> max = {}) {
    return Shape{T::List, min, max, nullptr, {}, {}, element, nullptr};
}
Shape map(const Shape* key, const Shape* value) { return Shape{T::Map, {}, {}, nullptr, {}, {}, value, key}; }

const Shape kBoolean{T::Boolean};
const Shape kString = str();
const Shape kDescription = str(1, 1024);
const Shape kWorkGroupName = str({}, {}, "[a-zA-Z0-9._-]{1,128}");
const Shape kNameString = str(1, 128);
const Shape kKeyString = str(1, 255, R"([\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*)");
const Shape kParametersMapValue = str({}, 51200);
const Shape kParametersMap = map(&kKeyString, &kParametersMapValue);
const Shape kClassification = structure({{"Name", &kNameString}, {"Properties", &kParametersMap}});
const Shape kClassificationList = list(&kClassification);
const Shape kCoordinatorDpuSize = integer(1, 1);
const Shape kMaxConcurrentDpus = integer(2, 5000);
const Shape kDefaultExecutorDpuSize = integer(1, 1);
const Shape kRoleArn = str(20, 2048, R"(^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$)");
const Shape kLogGroupName = str(1, 512, R"(^[a-zA-Z0-9._/-]+$)");
const Shape kLogStreamNamePrefix = str(1, 512, R"(^[^:*]*$)");
const Shape kLogTypeValuesList = list(&kString);
const Shape kLogTypesMap = map(&kString, &kLogTypeValuesList);
const Shape kKmsKey = str(
    1, 2048,
    R"(^arn:aws[a-z\-]*:kms:([a-z0-9\-]+):\d{12}:key/?[a-zA-Z_0-9+=,.@\-_/]+$|^arn:aws[a-z\-]*:kms:([a-z0-9\-]+):\d{12}:alias/?[a-zA-Z_0-9+=,.@\-_/]+$|^alias/[a-zA-Z0-9/_-]+$|[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})");
const Shape kS3OutputLocation = str({}, 1024, R"(^s3://[a-z0-9][a-z0-9\-]*[a-z0-9](/.*)?$)");
const Shape kCloudWatchLogging = structure({{"Enabled", &kBoolean, true},
                                            {"LogGroup", &kLogGroupName},
                                            {"LogStreamNamePrefix", &kLogStreamNamePrefix},
                                            {"LogTypes", &kLogTypesMap}});
const Shape kManagedLogging = structure({{"Enabled", &kBoolean, true}, {"KmsKey", &kKmsKey}});
const Shape kS3Logging =
    structure({{"Enabled", &kBoolean, true}, {"KmsKey", &kKmsKey}, {"LogLocation", &kS3OutputLocation}});
const Shape kMaxSessions = integer(1, 100);
const Shape kSessionManagerToken = str({}, 2048);
const Shape kSessionIdleTimeout = integer(1, 480);
const Shape kIdempotencyToken = str(32, 128);
const Shape kTagKey = str(1, 128);
const Shape kTagValue = str(0, 256);
const Shape kTag = structure({{"Key", &kTagKey}, {"Value", &kTagValue}});
const Shape kTagList = list(&kTag);
const Shape kTagKeyList = list(&kTagKey);
const Shape kSessionState =
    enumeration({"CREATING", "CREATED", "IDLE", "BUSY", "TERMINATING", "TERMINATED", "DEGRADED", "FAILED"});
const Shape kEncryptionOption = enumeration({"SSE_S3", "SSE_KMS", "CSE_KMS"});
const Shape kEncryptionConfiguration =
    structure({{"EncryptionOption", &kEncryptionOption, true}, {"KmsKey", &kString}});
const Shape kAwsAccountId = str(12, 12, "^[0-9]+$");
const Shape kS3AclOption = enumeration({"BUCKET_OWNER_FULL_CONTROL"});
const Shape kAclConfiguration = structure({{"S3AclOption", &kS3AclOption, true}});
const Shape kResultConfiguration = structure({{"OutputLocation", &kString},
                                              {"EncryptionConfiguration", &kEncryptionConfiguration},
                                              {"ExpectedBucketOwner", &kAwsAccountId},
                                              {"AclConfiguration", &kAclConfiguration}});
const Shape kKmsKeyHolder = structure({{"KmsKey", &kKmsKey, true}});
const Shape kManagedQueryResults =
    structure({{"Enabled", &kBoolean, true}, {"EncryptionConfiguration", &kKmsKeyHolder}});
const Shape kBytesScannedCutoff = integer(10000000, kNoLimit, T::Long);
const Shape kEngineVersionShape =
    structure({{"SelectedEngineVersion", &kNameString}, {"EffectiveEngineVersion", &kNameString}});
const Shape kIdentityCenterArn =
    str(0, 255, R"(^arn:(aws|aws-us-gov|aws-cn|aws-iso|aws-iso-b):sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$)");
const Shape kIdentityCenter =
    structure({{"EnableIdentityCenter", &kBoolean}, {"IdentityCenterInstanceArn", &kIdentityCenterArn}});
const Shape kAuthenticationType = enumeration({"DIRECTORY_IDENTITY"});
const Shape kS3AccessGrants = structure({{"EnableS3AccessGrants", &kBoolean, true},
                                         {"CreateUserLevelPrefix", &kBoolean},
                                         {"AuthenticationType", &kAuthenticationType, true}});
const Shape kResultConfigurationUpdates = structure({{"OutputLocation", &kString},
                                                     {"RemoveOutputLocation", &kBoolean},
                                                     {"EncryptionConfiguration", &kEncryptionConfiguration},
                                                     {"RemoveEncryptionConfiguration", &kBoolean},
                                                     {"ExpectedBucketOwner", &kAwsAccountId},
                                                     {"RemoveExpectedBucketOwner", &kBoolean},
                                                     {"AclConfiguration", &kAclConfiguration},
                                                     {"RemoveAclConfiguration", &kBoolean}});
const Shape kManagedQueryResultsUpdates = structure({{"Enabled", &kBoolean},
                                                     {"EncryptionConfiguration", &kKmsKeyHolder},
                                                     {"RemoveEncryptionConfiguration", &kBoolean}});
const Shape kWorkGroupDescription = str(0, 1024);
const Shape kWorkGroupState = enumeration({"ENABLED", "DISABLED"});
const Shape kToken = str(1, 1024);
const Shape kMaxWorkGroups = integer(1, 50);
const Shape kResourceArn = str(1, 1011);
const Shape kMaxTags = integer(75, {});
const Shape kCodeBlock = str({}, 68000);
const Shape kCalculationConfiguration = structure({{"CodeBlock", &kCodeBlock}});
const Shape kCalculationExecutionId = str(1, 36);
const Shape kCalculationState =
    enumeration({"CREATING", "CREATED", "QUEUED", "RUNNING", "CANCELING", "CANCELED", "COMPLETED", "FAILED"});
const Shape kMaxCalculations = integer(1, 100);
const Shape kExecutorState = enumeration({"CREATING", "CREATED", "REGISTERED", "TERMINATING", "TERMINATED", "FAILED"});
const Shape kMaxExecutors = integer(1, 100);
}  // namespace

const Shape kSessionId = str(1, 256);
const Shape kEngineConfiguration = structure({{"CoordinatorDpuSize", &kCoordinatorDpuSize},
                                              {"MaxConcurrentDpus", &kMaxConcurrentDpus},
                                              {"DefaultExecutorDpuSize", &kDefaultExecutorDpuSize},
                                              {"AdditionalConfigs", &kParametersMap},
                                              {"SparkProperties", &kParametersMap},
                                              {"Classifications", &kClassificationList}});
const Shape kMonitoringConfiguration = structure({{"CloudWatchLoggingConfiguration", &kCloudWatchLogging},
                                                  {"ManagedLoggingConfiguration", &kManagedLogging},
                                                  {"S3LoggingConfiguration", &kS3Logging}});
const Shape kWorkGroupConfiguration = structure({{"ResultConfiguration", &kResultConfiguration},
                                                 {"ManagedQueryResultsConfiguration", &kManagedQueryResults},
                                                 {"EnforceWorkGroupConfiguration", &kBoolean},
                                                 {"PublishCloudWatchMetricsEnabled", &kBoolean},
                                                 {"BytesScannedCutoffPerQuery", &kBytesScannedCutoff},
                                                 {"RequesterPaysEnabled", &kBoolean},
                                                 {"EngineVersion", &kEngineVersionShape},
                                                 {"AdditionalConfiguration", &kNameString},
                                                 {"ExecutionRole", &kRoleArn},
                                                 {"MonitoringConfiguration", &kMonitoringConfiguration},
                                                 {"EngineConfiguration", &kEngineConfiguration},
                                                 {"CustomerContentEncryptionConfiguration", &kKmsKeyHolder},
                                                 {"EnableMinimumEncryptionConfiguration", &kBoolean},
                                                 {"IdentityCenterConfiguration", &kIdentityCenter},
                                                 {"QueryResultsS3AccessGrantsConfiguration", &kS3AccessGrants}});
const Shape kWorkGroupConfigurationUpdates =
    structure({{"EnforceWorkGroupConfiguration", &kBoolean},
               {"ResultConfigurationUpdates", &kResultConfigurationUpdates},
               {"ManagedQueryResultsConfigurationUpdates", &kManagedQueryResultsUpdates},
               {"PublishCloudWatchMetricsEnabled", &kBoolean},
               {"BytesScannedCutoffPerQuery", &kBytesScannedCutoff},
               {"RemoveBytesScannedCutoffPerQuery", &kBoolean},
               {"RequesterPaysEnabled", &kBoolean},
               {"EngineVersion", &kEngineVersionShape},
               {"RemoveCustomerContentEncryptionConfiguration", &kBoolean},
               {"AdditionalConfiguration", &kNameString},
               {"ExecutionRole", &kRoleArn},
               {"CustomerContentEncryptionConfiguration", &kKmsKeyHolder},
               {"EnableMinimumEncryptionConfiguration", &kBoolean},
               {"QueryResultsS3AccessGrantsConfiguration", &kS3AccessGrants},
               {"MonitoringConfiguration", &kMonitoringConfiguration},
               {"EngineConfiguration", &kEngineConfiguration}});

const Shape kGetSessionStatusInput = structure({{"SessionId", &kSessionId, true}});
const Shape kSessionIdInput = structure({{"SessionId", &kSessionId, true}});
const Shape kStartSessionInput = structure({{"Description", &kDescription},
                                            {"WorkGroup", &kWorkGroupName, true},
                                            {"EngineConfiguration", &kEngineConfiguration, true},
                                            {"ExecutionRole", &kRoleArn},
                                            {"MonitoringConfiguration", &kMonitoringConfiguration},
                                            {"NotebookVersion", &kNameString},
                                            {"SessionIdleTimeoutInMinutes", &kSessionIdleTimeout},
                                            {"ClientRequestToken", &kIdempotencyToken},
                                            {"Tags", &kTagList},
                                            {"CopyWorkGroupTags", &kBoolean}});
const Shape kListSessionsInput = structure({{"WorkGroup", &kWorkGroupName, true},
                                            {"StateFilter", &kSessionState},
                                            {"MaxResults", &kMaxSessions},
                                            {"NextToken", &kSessionManagerToken}});
const Shape kCreateWorkGroupInput = structure({{"Name", &kWorkGroupName, true},
                                               {"Configuration", &kWorkGroupConfiguration},
                                               {"Description", &kWorkGroupDescription},
                                               {"Tags", &kTagList}});
const Shape kWorkGroupInput = structure({{"WorkGroup", &kWorkGroupName, true}});
const Shape kListWorkGroupsInput = structure({{"NextToken", &kToken}, {"MaxResults", &kMaxWorkGroups}});
const Shape kUpdateWorkGroupInput = structure({{"WorkGroup", &kWorkGroupName, true},
                                               {"Description", &kWorkGroupDescription},
                                               {"ConfigurationUpdates", &kWorkGroupConfigurationUpdates},
                                               {"State", &kWorkGroupState}});
const Shape kDeleteWorkGroupInput =
    structure({{"WorkGroup", &kWorkGroupName, true}, {"RecursiveDeleteOption", &kBoolean}});
const Shape kTagResourceInput = structure({{"ResourceARN", &kResourceArn, true}, {"Tags", &kTagList, true}});
const Shape kUntagResourceInput = structure({{"ResourceARN", &kResourceArn, true}, {"TagKeys", &kTagKeyList, true}});
const Shape kListTagsForResourceInput =
    structure({{"ResourceARN", &kResourceArn, true}, {"NextToken", &kToken}, {"MaxResults", &kMaxTags}});

const Shape kStartCalculationInput = structure({{"SessionId", &kSessionId, true},
                                                {"Description", &kDescription},
                                                {"CalculationConfiguration", &kCalculationConfiguration},
                                                {"CodeBlock", &kCodeBlock},
                                                {"ClientRequestToken", &kIdempotencyToken}});
const Shape kCalculationIdInput = structure({{"CalculationExecutionId", &kCalculationExecutionId, true}});
const Shape kListCalculationsInput = structure({{"SessionId", &kSessionId, true},
                                                {"StateFilter", &kCalculationState},
                                                {"MaxResults", &kMaxCalculations},
                                                {"NextToken", &kSessionManagerToken}});
const Shape kListExecutorsInput = structure({{"SessionId", &kSessionId, true},
                                             {"ExecutorStateFilter", &kExecutorState},
                                             {"MaxResults", &kMaxExecutors},
                                             {"NextToken", &kSessionManagerToken}});

}  // namespace shapes

namespace {

// "SessionId" -> "sessionId", as AWS's validation messages spell member paths.
std::string lower_camel(std::string_view name) {
    std::string s(name);
    if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
    return s;
}

// The model's patterns are Java regular expressions over UTF-16 (`\uD800\uDC00` is U+10000).
// Boost.Regex matches them over UTF-32: `\uXXXX` becomes `\x{XXXX}`, a surrogate pair one code
// point, and a `-` right after a range in a class (`[0-9-.]`, a literal in Java) becomes `\-`.
std::wstring to_wide_pattern(std::string_view java) {
    std::wstring out;
    bool in_class = false, range_open = false, range_closed = false;
    auto hex_at = [&](std::size_t at) -> std::optional<unsigned> {
        if (at + 6 > java.size() || java[at] != '\\' || java[at + 1] != 'u') return std::nullopt;
        unsigned v = 0;
        const auto [end, ec] = std::from_chars(java.data() + at + 2, java.data() + at + 6, v, 16);
        if (ec != std::errc() || end != java.data() + at + 6) return std::nullopt;
        return v;
    };
    auto emit = [&](std::string_view text) {
        for (char c : text) out += static_cast<wchar_t>(static_cast<unsigned char>(c));
    };
    for (std::size_t i = 0; i < java.size(); ++i) {
        const char c = java[i];
        if (in_class && c == '-' && range_closed && i + 1 < java.size() && java[i + 1] != ']') {
            emit("\\-");
            range_closed = false;
            continue;
        }
        if (in_class && c == '-' && !range_open) {
            emit("-");
            range_open = true;
            continue;
        }
        if (!in_class && c == '[')
            in_class = true;
        else if (in_class && c == ']')
            in_class = false;
        if (auto cp = hex_at(i)) {
            i += 5;
            if (*cp >= 0xD800 && *cp <= 0xDBFF)
                if (auto low = hex_at(i + 1); low && *low >= 0xDC00 && *low <= 0xDFFF) {
                    *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
                    i += 6;
                }
            char buf[16];
            std::snprintf(buf, sizeof buf, "\\x{%X}", *cp);
            emit(buf);
        } else if (c == '\\' && i + 1 < java.size()) {
            emit(java.substr(i++, 2));
        } else {
            emit(std::string_view(&c, 1));
        }
        range_closed = range_open;  // the atom just written ended a range
        range_open = false;
    }
    return out;
}

const boost::wregex& compiled(const char* pattern) {
    static std::mutex mu;
    static std::map<const char*, boost::wregex> cache;
    std::lock_guard lock(mu);
    auto it = cache.find(pattern);
    if (it == cache.end()) it = cache.emplace(pattern, boost::wregex(to_wide_pattern(pattern))).first;
    return it->second;
}

bool matches_pattern(std::string_view utf8, const char* pattern) {
    // Boost.JSON has checked the UTF-8 already.
    using In = boost::u8_to_u32_iterator<std::string_view::const_iterator>;
    std::wstring wide;
    for (In it(utf8.begin(), utf8.begin(), utf8.end()), end(utf8.end(), utf8.begin(), utf8.end()); it != end; ++it)
        wide += static_cast<wchar_t>(*it);
    return boost::regex_match(wide, compiled(pattern));
}

std::int64_t code_points(std::string_view s) {
    std::int64_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

std::string enum_constraint(const Shape& shape) {
    std::string set;
    for (auto e : shape.enum_values) set += (set.empty() ? "" : ", ") + std::string(e);
    return "Member must satisfy enum value set: [" + set + "]";
}

// Jackson's name for a JSON token, as in "STRING_VALUE can not be converted to an Integer".
std::string_view token_name(const boost::json::value& v) {
    if (v.is_string()) return "STRING_VALUE";
    if (v.is_bool()) return v.get_bool() ? "TRUE_VALUE" : "FALSE_VALUE";
    return "NUMBER_VALUE";
}

std::string_view target_name(ShapeType t) {
    switch (t) {
        case ShapeType::String: return "a String";
        case ShapeType::Integer: return "an Integer";
        case ShapeType::Long: return "a Long";
        case ShapeType::Double: return "a Double";
        case ShapeType::Boolean: return "a Boolean";
        case ShapeType::Timestamp: return "a Date";
        case ShapeType::Structure:
        case ShapeType::List:
        case ShapeType::Map: break;
    }
    return "a value";
}

// The SerializationException text (Jackson's, as real Athena answers) when `v` cannot be read
// as `shape`; nullopt when it can.
std::optional<std::string> type_mismatch(const Shape& shape, const boost::json::value& v) {
    const ShapeType t = shape.type;
    if (t == ShapeType::List) {
        if (v.is_array()) return std::nullopt;
        return std::string("Expected list or null");
    }
    if (v.is_array()) return std::string("Start of list found where not expected");
    if (t == ShapeType::Structure || t == ShapeType::Map) {
        if (v.is_object()) return std::nullopt;
        return std::string(t == ShapeType::Structure ? "Expected null" : "Expected map or null");
    }
    if (v.is_object()) return std::string("Start of structure or map found where not expected.");
    const bool fits = (t == ShapeType::String && v.is_string()) || (t == ShapeType::Boolean && v.is_bool()) ||
                      (t != ShapeType::String && t != ShapeType::Boolean && v.is_number());
    if (fits) return std::nullopt;
    return std::string(token_name(v)) + " can not be converted to " + std::string(target_name(t));
}

// A JSON number read as an integer member: decimals are truncated (as real Athena does);
// values past int64 saturate, so they fail the range check.
std::int64_t integer_value(const boost::json::value& v) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64())
        return v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX
                                                                      : static_cast<std::int64_t>(v.get_uint64());
    const double d = v.get_double();
    if (d >= 9.2e18) return INT64_MAX;
    if (d <= -9.2e18) return INT64_MIN;
    return static_cast<std::int64_t>(d);
}

// The constraints `v` breaks, in the order AWS lists them.
std::vector<std::string> broken_constraints(const Shape& shape, const boost::json::value& v) {
    std::vector<std::string> out;
    if (shape.type == ShapeType::String) {
        const auto& s = v.get_string();
        const std::string_view sv(s.data(), s.size());
        const auto len = code_points(sv);
        if (shape.max && len > *shape.max)
            out.push_back("Member must have length less than or equal to " + std::to_string(*shape.max));
        if (shape.min && len < *shape.min)
            out.push_back("Member must have length greater than or equal to " + std::to_string(*shape.min));
        if (shape.pattern && !matches_pattern(sv, shape.pattern))
            out.push_back(std::string("Member must satisfy regular expression pattern: ") + shape.pattern);
        if (!shape.enum_values.empty() &&
            std::find(shape.enum_values.begin(), shape.enum_values.end(), sv) == shape.enum_values.end())
            out.push_back(enum_constraint(shape));
    } else if (shape.type == ShapeType::Integer || shape.type == ShapeType::Long) {
        const bool is32 = shape.type == ShapeType::Integer;
        const std::int64_t n = integer_value(v);
        const std::int64_t max = shape.max.value_or(is32 ? INT32_MAX : INT64_MAX);
        const std::int64_t min = shape.min.value_or(is32 ? INT32_MIN : INT64_MIN);
        if (n > max) out.push_back("Member must have value less than or equal to " + std::to_string(max));
        if (n < min) out.push_back("Member must have value greater than or equal to " + std::to_string(min));
    }
    return out;
}

// Every constraint of a scalar shape, as AWS lists them for map keys/values and list elements.
std::string all_constraints(const Shape& shape) {
    std::vector<std::string> c;
    if (shape.max) c.push_back("Member must have length less than or equal to " + std::to_string(*shape.max));
    if (shape.min) c.push_back("Member must have length greater than or equal to " + std::to_string(*shape.min));
    if (shape.pattern) c.push_back(std::string("Member must satisfy regular expression pattern: ") + shape.pattern);
    if (!shape.enum_values.empty()) c.push_back(enum_constraint(shape));
    std::string out = "[";
    for (std::size_t i = 0; i < c.size(); ++i) out += (i ? ", " : "") + c[i];
    return out + "]";
}

class Validator {
public:
    ValidationResult result;

    void check(const Shape& shape, const boost::json::value& v, const std::string& path) {
        if (result.serialization_error) return;
        if (v.is_null()) return;  // explicit null counts as absent
        if (auto e = type_mismatch(shape, v)) {
            result.serialization_error = std::move(*e);
            return;
        }
        switch (shape.type) {
            case ShapeType::Structure: return structure(shape, v.get_object(), path);
            case ShapeType::List: return list(shape, v.get_array(), path);
            case ShapeType::Map: return map(shape, v.get_object(), path);
            case ShapeType::String:
            case ShapeType::Integer:
            case ShapeType::Long:
            case ShapeType::Double:
            case ShapeType::Boolean:
            case ShapeType::Timestamp:
                for (auto& what : broken_constraints(shape, v)) violation(path, what);
        }
    }

    void structure(const Shape& shape, const boost::json::object& o, const std::string& path) {
        for (const Member& m : shape.members) {
            auto it = o.find(m.name);
            const bool absent = it == o.end() || it->value().is_null();
            if (absent && !m.required) continue;
            const std::string mp = path.empty() ? lower_camel(m.name) : path + "." + lower_camel(m.name);
            if (absent) {
                if (listing())
                    result.violations.push_back("Value null at '" + mp +
                                                "' failed to satisfy constraint: Member must not be null");
                continue;
            }
            check(*m.shape, it->value(), mp);
        }
    }

private:
    // Scalar elements are reported once, at the list; structure elements at their own path.
    void list(const Shape& shape, const boost::json::array& a, const std::string& path) {
        length_checks(shape, static_cast<std::int64_t>(a.size()), path);
        const Shape& e = *shape.element;
        const bool scalar = e.type != ShapeType::Structure && e.type != ShapeType::List && e.type != ShapeType::Map;
        bool element_broken = false;
        for (std::size_t i = 0; i < a.size() && !result.serialization_error; ++i) {
            if (!scalar) {
                check(e, a[i], path + "." + std::to_string(i + 1) + ".member");
                continue;
            }
            if (a[i].is_null()) continue;
            if (auto err = type_mismatch(e, a[i]))
                result.serialization_error = std::move(*err);
            else
                element_broken = element_broken || !broken_constraints(e, a[i]).empty();
        }
        if (element_broken && !result.serialization_error)
            violation(path, "Member must satisfy constraint: " + all_constraints(e));
    }

    void map(const Shape& shape, const boost::json::object& o, const std::string& path) {
        length_checks(shape, static_cast<std::int64_t>(o.size()), path);
        const Shape& value = *shape.element;
        const bool scalar =
            value.type != ShapeType::Structure && value.type != ShapeType::List && value.type != ShapeType::Map;
        bool key_broken = false, value_broken = false;
        for (const auto& kv : o) {
            if (result.serialization_error) return;
            if (shape.key)
                key_broken = key_broken || !broken_constraints(*shape.key, boost::json::value(kv.key())).empty();
            if (!scalar) {
                check(value, kv.value(), path + "." + std::string(kv.key()));
                continue;
            }
            if (kv.value().is_null()) continue;
            if (auto err = type_mismatch(value, kv.value()))
                result.serialization_error = std::move(*err);
            else
                value_broken = value_broken || !broken_constraints(value, kv.value()).empty();
        }
        if (result.serialization_error) return;
        if (key_broken) violation(path, "Map keys must satisfy constraint: " + all_constraints(*shape.key));
        if (value_broken) violation(path, "Map value must satisfy constraint: " + all_constraints(value));
    }

    // False (and counted) once kMaxViolationsListed are listed.
    bool listing() {
        if (result.violations.size() < kMaxViolationsListed) return true;
        ++result.unlisted;
        return false;
    }
    // Real Athena never echoes the value: "Value at '<path>' failed to satisfy constraint: ...".
    void violation(const std::string& path, const std::string& what) {
        if (listing()) result.violations.push_back("Value at '" + path + "' failed to satisfy constraint: " + what);
    }
    void length_checks(const Shape& shape, std::int64_t n, const std::string& path) {
        if (shape.min && n < *shape.min)
            violation(path, "Member must have length greater than or equal to " + std::to_string(*shape.min));
        if (shape.max && n > *shape.max)
            violation(path, "Member must have length less than or equal to " + std::to_string(*shape.max));
    }
};

}  // namespace

std::string ValidationResult::message() const {
    const std::size_t total = violations.size() + unlisted;
    std::string m =
        std::to_string(total) + (total == 1 ? " validation error detected: " : " validation errors detected: ");
    for (std::size_t i = 0; i < violations.size(); ++i) {
        if (i) m += "; ";
        m += violations[i];
    }
    if (unlisted) m += "; (" + std::to_string(unlisted) + " more not listed)";
    return m;
}

ValidationResult validate(const Shape& shape, const boost::json::object& body) {
    Validator v;
    v.structure(shape, body, "");
    return std::move(v.result);
}

}  // namespace athena
