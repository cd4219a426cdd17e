#include "server/wire_model.hpp"

#include <boost/regex.hpp>

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
const Shape kKeyString = str(1, 255);
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
const Shape kKmsKey = str(1, 2048,
    R"(^arn:aws[a-z\-]*:kms:([a-z0-9\-]+):\d{12}:key/?[a-zA-Z_0-9+=,.@\-_/]+$|^arn:aws[a-z\-]*:kms:([a-z0-9\-]+):\d{12}:alias/?[a-zA-Z_0-9+=,.@\-_/]+$|^alias/[a-zA-Z0-9/_-]+$|[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})");
const Shape kS3OutputLocation = str({}, 1024, R"(^s3://[a-z0-9][a-z0-9\-]*[a-z0-9](/.*)?$)");
const Shape kCloudWatchLogging = structure({{"Enabled", &kBoolean, true}, {"LogGroup", &kLogGroupName},
                                            {"LogStreamNamePrefix", &kLogStreamNamePrefix}, {"LogTypes", &kLogTypesMap}});
const Shape kManagedLogging = structure({{"Enabled", &kBoolean, true}, {"KmsKey", &kKmsKey}});
const Shape kS3Logging = structure({{"Enabled", &kBoolean, true}, {"KmsKey", &kKmsKey}, {"LogLocation", &kS3OutputLocation}});
const Shape kMaxSessions = integer(1, 100);
const Shape kSessionManagerToken = str({}, 2048);
const Shape kSessionIdleTimeout = integer(1, 480);
const Shape kIdempotencyToken = str(32, 128);
const Shape kTagKey = str(1, 128);
const Shape kTagValue = str(0, 256);
const Shape kTag = structure({{"Key", &kTagKey}, {"Value", &kTagValue}});
const Shape kTagList = list(&kTag);
const Shape kTagKeyList = list(&kTagKey);
const Shape kSessionState = enumeration({"CREATING", "CREATED", "IDLE", "BUSY", "TERMINATING", "TERMINATED", "DEGRADED", "FAILED"});
const Shape kEncryptionOption = enumeration({"SSE_S3", "SSE_KMS", "CSE_KMS"});
const Shape kEncryptionConfiguration = structure({{"EncryptionOption", &kEncryptionOption, true}, {"KmsKey", &kString}});
const Shape kAwsAccountId = str(12, 12, "^[0-9]+$");
const Shape kS3AclOption = enumeration({"BUCKET_OWNER_FULL_CONTROL"});
const Shape kAclConfiguration = structure({{"S3AclOption", &kS3AclOption, true}});
const Shape kResultConfiguration = structure({{"OutputLocation", &kString}, {"EncryptionConfiguration", &kEncryptionConfiguration},
                                              {"ExpectedBucketOwner", &kAwsAccountId}, {"AclConfiguration", &kAclConfiguration}});
const Shape kKmsKeyHolder = structure({{"KmsKey", &kKmsKey, true}});
const Shape kManagedQueryResults = structure({{"Enabled", &kBoolean, true}, {"EncryptionConfiguration", &kKmsKeyHolder}});
const Shape kBytesScannedCutoff = integer(10000000, kNoLimit, T::Long);
const Shape kEngineVersionShape = structure({{"SelectedEngineVersion", &kNameString}, {"EffectiveEngineVersion", &kNameString}});
const Shape kIdentityCenterArn = str(0, 255);
const Shape kIdentityCenter = structure({{"EnableIdentityCenter", &kBoolean}, {"IdentityCenterInstanceArn", &kIdentityCenterArn}});
const Shape kAuthenticationType = enumeration({"DIRECTORY_IDENTITY"});
const Shape kS3AccessGrants = structure({{"EnableS3AccessGrants", &kBoolean, true}, {"CreateUserLevelPrefix", &kBoolean},
                                         {"AuthenticationType", &kAuthenticationType, true}});
const Shape kResultConfigurationUpdates = structure(
    {{"OutputLocation", &kString}, {"RemoveOutputLocation", &kBoolean}, {"EncryptionConfiguration", &kEncryptionConfiguration},
     {"RemoveEncryptionConfiguration", &kBoolean}, {"ExpectedBucketOwner", &kAwsAccountId}, {"RemoveExpectedBucketOwner", &kBoolean},
     {"AclConfiguration", &kAclConfiguration}, {"RemoveAclConfiguration", &kBoolean}});
const Shape kManagedQueryResultsUpdates = structure(
    {{"Enabled", &kBoolean}, {"EncryptionConfiguration", &kKmsKeyHolder}, {"RemoveEncryptionConfiguration", &kBoolean}});
const Shape kWorkGroupDescription = str(0, 1024);
const Shape kWorkGroupState = enumeration({"ENABLED", "DISABLED"});
const Shape kToken = str(1, 1024);
const Shape kMaxWorkGroups = integer(1, 50);
const Shape kResourceArn = str(1, 1011);
const Shape kMaxTags = integer(75, {});
const Shape kCodeBlock = str({}, 68000);
const Shape kCalculationConfiguration = structure({{"CodeBlock", &kCodeBlock}});
const Shape kCalculationExecutionId = str(1, 36);
const Shape kCalculationState = enumeration({"CREATING", "CREATED", "QUEUED", "RUNNING", "CANCELING", "CANCELED", "COMPLETED", "FAILED"});
const Shape kMaxCalculations = integer(1, 100);
const Shape kExecutorState = enumeration({"CREATING", "CREATED", "REGISTERED", "TERMINATING", "TERMINATED", "FAILED"});
const Shape kMaxExecutors = integer(1, 100);
}  // namespace

const Shape kSessionId = str(1, 256);
const Shape kEngineConfiguration = structure(
    {{"CoordinatorDpuSize", &kCoordinatorDpuSize}, {"MaxConcurrentDpus", &kMaxConcurrentDpus},
     {"DefaultExecutorDpuSize", &kDefaultExecutorDpuSize}, {"AdditionalConfigs", &kParametersMap},
     {"SparkProperties", &kParametersMap}, {"Classifications", &kClassificationList}});
const Shape kMonitoringConfiguration = structure({{"CloudWatchLoggingConfiguration", &kCloudWatchLogging},
                                                  {"ManagedLoggingConfiguration", &kManagedLogging},
                                                  {"S3LoggingConfiguration", &kS3Logging}});
const Shape kWorkGroupConfiguration = structure(
    {{"ResultConfiguration", &kResultConfiguration}, {"ManagedQueryResultsConfiguration", &kManagedQueryResults},
     {"EnforceWorkGroupConfiguration", &kBoolean}, {"PublishCloudWatchMetricsEnabled", &kBoolean},
     {"BytesScannedCutoffPerQuery", &kBytesScannedCutoff}, {"RequesterPaysEnabled", &kBoolean},
     {"EngineVersion", &kEngineVersionShape}, {"AdditionalConfiguration", &kNameString}, {"ExecutionRole", &kRoleArn},
     {"MonitoringConfiguration", &kMonitoringConfiguration}, {"EngineConfiguration", &kEngineConfiguration},
     {"CustomerContentEncryptionConfiguration", &kKmsKeyHolder}, {"EnableMinimumEncryptionConfiguration", &kBoolean},
     {"IdentityCenterConfiguration", &kIdentityCenter}, {"QueryResultsS3AccessGrantsConfiguration", &kS3AccessGrants}});
const Shape kWorkGroupConfigurationUpdates = structure(
    {{"EnforceWorkGroupConfiguration", &kBoolean}, {"ResultConfigurationUpdates", &kResultConfigurationUpdates},
     {"ManagedQueryResultsConfigurationUpdates", &kManagedQueryResultsUpdates},
     {"PublishCloudWatchMetricsEnabled", &kBoolean}, {"BytesScannedCutoffPerQuery", &kBytesScannedCutoff},
     {"RemoveBytesScannedCutoffPerQuery", &kBoolean}, {"RequesterPaysEnabled", &kBoolean},
     {"EngineVersion", &kEngineVersionShape}, {"RemoveCustomerContentEncryptionConfiguration", &kBoolean},
     {"AdditionalConfiguration", &kNameString}, {"ExecutionRole", &kRoleArn},
     {"CustomerContentEncryptionConfiguration", &kKmsKeyHolder}, {"EnableMinimumEncryptionConfiguration", &kBoolean},
     {"QueryResultsS3AccessGrantsConfiguration", &kS3AccessGrants}, {"MonitoringConfiguration", &kMonitoringConfiguration},
     {"EngineConfiguration", &kEngineConfiguration}});

const Shape kGetSessionStatusInput = structure({{"SessionId", &kSessionId, true}});
const Shape kSessionIdInput = structure({{"SessionId", &kSessionId, true}});
const Shape kStartSessionInput = structure(
    {{"Description", &kDescription}, {"WorkGroup", &kWorkGroupName, true}, {"EngineConfiguration", &kEngineConfiguration, true},
     {"ExecutionRole", &kRoleArn}, {"MonitoringConfiguration", &kMonitoringConfiguration}, {"NotebookVersion", &kNameString},
     {"SessionIdleTimeoutInMinutes", &kSessionIdleTimeout}, {"ClientRequestToken", &kIdempotencyToken}, {"Tags", &kTagList},
     {"CopyWorkGroupTags", &kBoolean}});
const Shape kListSessionsInput = structure({{"WorkGroup", &kWorkGroupName, true}, {"StateFilter", &kSessionState},
                                            {"MaxResults", &kMaxSessions}, {"NextToken", &kSessionManagerToken}});
const Shape kCreateWorkGroupInput = structure({{"Name", &kWorkGroupName, true}, {"Configuration", &kWorkGroupConfiguration},
                                               {"Description", &kWorkGroupDescription}, {"Tags", &kTagList}});
const Shape kWorkGroupInput = structure({{"WorkGroup", &kWorkGroupName, true}});
const Shape kListWorkGroupsInput = structure({{"NextToken", &kToken}, {"MaxResults", &kMaxWorkGroups}});
const Shape kUpdateWorkGroupInput = structure({{"WorkGroup", &kWorkGroupName, true}, {"Description", &kWorkGroupDescription},
                                               {"ConfigurationUpdates", &kWorkGroupConfigurationUpdates},
                                               {"State", &kWorkGroupState}});
const Shape kDeleteWorkGroupInput = structure({{"WorkGroup", &kWorkGroupName, true}, {"RecursiveDeleteOption", &kBoolean}});
const Shape kTagResourceInput = structure({{"ResourceARN", &kResourceArn, true}, {"Tags", &kTagList, true}});
const Shape kUntagResourceInput = structure({{"ResourceARN", &kResourceArn, true}, {"TagKeys", &kTagKeyList, true}});
const Shape kListTagsForResourceInput = structure({{"ResourceARN", &kResourceArn, true}, {"NextToken", &kToken},
                                                   {"MaxResults", &kMaxTags}});

const Shape kStartCalculationInput = structure(
    {{"SessionId", &kSessionId, true}, {"Description", &kDescription}, {"CalculationConfiguration", &kCalculationConfiguration},
     {"CodeBlock", &kCodeBlock}, {"ClientRequestToken", &kIdempotencyToken}});
const Shape kCalculationIdInput = structure({{"CalculationExecutionId", &kCalculationExecutionId, true}});
const Shape kListCalculationsInput = structure({{"SessionId", &kSessionId, true}, {"StateFilter", &kCalculationState},
                                                {"MaxResults", &kMaxCalculations}, {"NextToken", &kSessionManagerToken}});
const Shape kListExecutorsInput = structure({{"SessionId", &kSessionId, true}, {"ExecutorStateFilter", &kExecutorState},
                                             {"MaxResults", &kMaxExecutors}, {"NextToken", &kSessionManagerToken}});

}  // namespace shapes

namespace {

constexpr std::size_t kMaxValueShown = 256;

// "SessionId" -> "sessionId", as AWS's validation messages spell member paths.
std::string lower_camel(std::string_view name) {
    std::string s(name);
    if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
    return s;
}

std::string shown(std::string_view v) {
    if (v.size() <= kMaxValueShown) return std::string(v);
    std::size_t cut = kMaxValueShown;
    while (cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    return std::string(v.substr(0, cut)) + "...(" + std::to_string(v.size()) + " bytes)";
}

std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

const boost::regex& compiled(const char* pattern) {
    static std::mutex mu;
    static std::map<const char*, boost::regex> cache;
    std::lock_guard lock(mu);
    auto it = cache.find(pattern);
    if (it == cache.end()) it = cache.emplace(pattern, boost::regex(pattern)).first;
    return it->second;
}

std::string_view json_kind(const boost::json::value& v) {
    switch (v.kind()) {
        case boost::json::kind::null: return "null";
        case boost::json::kind::bool_: return "boolean";
        case boost::json::kind::int64:
        case boost::json::kind::uint64:
        case boost::json::kind::double_: return "number";
        case boost::json::kind::string: return "string";
        case boost::json::kind::array: return "array";
        case boost::json::kind::object: return "object";
    }
    return "value";
}

std::string_view expected_kind(ShapeType t) {
    switch (t) {
        case ShapeType::String: return "a string";
        case ShapeType::Integer:
        case ShapeType::Long: return "an integer";
        case ShapeType::Double: return "a number";
        case ShapeType::Boolean: return "a boolean";
        case ShapeType::Timestamp: return "a timestamp (epoch seconds)";
        case ShapeType::Structure: return "an object";
        case ShapeType::List: return "an array";
        case ShapeType::Map: return "an object";
    }
    return "a value";
}

class Validator {
public:
    ValidationResult result;

    void check(const Shape& shape, const boost::json::value& v, const std::string& path,
               const std::string& wire_path) {
        if (result.serialization_error) return;
        if (v.is_null()) return;  // explicit null counts as absent
        switch (shape.type) {
            case ShapeType::String: {
                if (!v.is_string()) return type_error(shape, v, wire_path);
                const auto& s = v.get_string();
                const std::string_view sv(s.data(), s.size());
                const auto len = static_cast<std::int64_t>(utf8_length(sv));
                if (shape.min && len < *shape.min)
                    violation(sv, path, "Member must have length greater than or equal to " +
                                            std::to_string(*shape.min));
                if (shape.max && len > *shape.max)
                    violation(sv, path, "Member must have length less than or equal to " +
                                            std::to_string(*shape.max));
                if (!shape.enum_values.empty()) {
                    bool found = false;
                    std::string set;
                    for (auto e : shape.enum_values) {
                        found = found || e == sv;
                        set += (set.empty() ? "" : ", ") + std::string(e);
                    }
                    if (!found) violation(sv, path, "Member must satisfy enum value set: [" + set + "]");
                }
                if (shape.pattern && !boost::regex_match(sv.begin(), sv.end(), compiled(shape.pattern)))
                    violation(sv, path, std::string("Member must satisfy regular expression pattern: ") +
                                            shape.pattern);
                return;
            }
            case ShapeType::Integer:
            case ShapeType::Long: {
                std::int64_t n;
                if (v.is_int64())
                    n = v.get_int64();
                else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
                    n = static_cast<std::int64_t>(v.get_uint64());
                else
                    return type_error(shape, v, wire_path);
                if (shape.type == ShapeType::Integer && (n > INT32_MAX || n < INT32_MIN))
                    return type_error(shape, v, wire_path);
                if (shape.min && n < *shape.min)
                    violation(std::to_string(n), path,
                              "Member must have value greater than or equal to " + std::to_string(*shape.min));
                if (shape.max && n > *shape.max)
                    violation(std::to_string(n), path,
                              "Member must have value less than or equal to " + std::to_string(*shape.max));
                return;
            }
            case ShapeType::Double:
            case ShapeType::Timestamp:
                if (!v.is_number()) return type_error(shape, v, wire_path);
                return;
            case ShapeType::Boolean:
                if (!v.is_bool()) return type_error(shape, v, wire_path);
                return;
            case ShapeType::Structure:
                if (!v.is_object()) return type_error(shape, v, wire_path);
                return structure(shape, v.get_object(), path, wire_path);
            case ShapeType::List: {
                if (!v.is_array()) return type_error(shape, v, wire_path);
                const auto& a = v.get_array();
                length_checks(shape, static_cast<std::int64_t>(a.size()), path);
                for (std::size_t i = 0; i < a.size(); ++i)
                    check(*shape.element, a[i], path + "." + std::to_string(i + 1) + ".member",
                          wire_path + "[" + std::to_string(i) + "]");
                return;
            }
            case ShapeType::Map: {
                if (!v.is_object()) return type_error(shape, v, wire_path);
                const auto& o = v.get_object();
                length_checks(shape, static_cast<std::int64_t>(o.size()), path);
                for (const auto& kv : o) {
                    const std::string k(kv.key());
                    if (shape.key) check(*shape.key, boost::json::value(kv.key()), path + ".key", wire_path + "{key}");
                    check(*shape.element, kv.value(), path + "." + k, wire_path + "." + k);
                }
                return;
            }
        }
    }

    void structure(const Shape& shape, const boost::json::object& o, const std::string& path,
                   const std::string& wire_path) {
        for (const Member& m : shape.members) {
            auto it = o.find(m.name);
            const bool absent = it == o.end() || it->value().is_null();
            if (absent && !m.required) continue;
            const std::string mp = path.empty() ? lower_camel(m.name) : path + "." + lower_camel(m.name);
            if (absent) {
                if (listing()) result.violations.push_back("Value null at '" + mp +
                                                           "' failed to satisfy constraint: Member must not be null");
                continue;
            }
            const std::string wp = wire_path.empty() ? std::string(m.name) : wire_path + "." + std::string(m.name);
            check(*m.shape, it->value(), mp, wp);
        }
    }

private:
    void type_error(const Shape& shape, const boost::json::value& v, const std::string& wire_path) {
        result.serialization_error = "Member '" + wire_path + "' must be " +
                                     std::string(expected_kind(shape.type)) + ", not " +
                                     std::string(json_kind(v)) + ".";
    }
    // False (and counted) once kMaxViolationsListed are listed.
    bool listing() {
        if (result.violations.size() < kMaxViolationsListed) return true;
        ++result.unlisted;
        return false;
    }
    void violation(std::string_view value, const std::string& path, const std::string& what) {
        if (!listing()) return;
        result.violations.push_back("Value '" + shown(value) + "' at '" + path +
                                    "' failed to satisfy constraint: " + what);
    }
    void length_checks(const Shape& shape, std::int64_t n, const std::string& path) {
        if (shape.min && n < *shape.min && listing())
            result.violations.push_back("Value at '" + path +
                                        "' failed to satisfy constraint: Member must have length greater than or equal to " +
                                        std::to_string(*shape.min));
        if (shape.max && n > *shape.max && listing())
            result.violations.push_back("Value at '" + path +
                                        "' failed to satisfy constraint: Member must have length less than or equal to " +
                                        std::to_string(*shape.max));
    }
};

}  // namespace

std::string ValidationResult::message() const {
    const std::size_t total = violations.size() + unlisted;
    std::string m = std::to_string(total) + (total == 1 ? " validation error detected: " : " validation errors detected: ");
    for (std::size_t i = 0; i < violations.size(); ++i) {
        if (i) m += "; ";
        m += violations[i];
    }
    if (unlisted) m += "; (" + std::to_string(unlisted) + " more not listed)";
    return m;
}

ValidationResult validate(const Shape& shape, const boost::json::object& body) {
    Validator v;
    v.structure(shape, body, "", "");
    return std::move(v.result);
}

}  // namespace athena
