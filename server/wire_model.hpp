#pragma once
// The input model of each operation: members and their constraints, transcribed from the
// botocore service model for athena (2017-05-18). One validator walks a request body against
// it, so every operation gets the same SerializationException / InvalidRequestException rules.
#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace athena {

enum class ShapeType { String, Integer, Long, Double, Boolean, Timestamp, Structure, List, Map };

struct Shape;

struct Member {
    std::string_view name;
    const Shape* shape;
    bool required{false};
};

struct Shape {
    ShapeType type;
    std::optional<std::int64_t> min;  // length for strings, lists, maps; value for numbers
    std::optional<std::int64_t> max;
    const char* pattern{nullptr};  // whole-value regular expression (Boost.Regex)
    std::vector<std::string_view> enum_values;
    std::vector<Member> members;    // structure
    const Shape* element{nullptr};  // list element / map value
    const Shape* key{nullptr};      // map key
};

// Outcome of validating one request body.
// An answer lists at most this many violations (and counts them all): a 1 MiB body of
// 300 000 empty tag keys must not turn into a 35 MB message.
inline constexpr std::size_t kMaxViolationsListed = 100;

struct ValidationResult {
    // Set when a member has the wrong JSON type: a SerializationException.
    std::optional<std::string> serialization_error;
    // Constraint violations, as real Athena words them ("Value at 'sessionId' failed to satisfy
    // constraint: Member must have length less than or equal to 256").
    // The first kMaxViolationsListed of them; `unlisted` counts the rest.
    std::vector<std::string> violations;
    std::size_t unlisted{0};
    bool ok() const { return !serialization_error && violations.empty(); }
    // "1 validation error detected: ...; ..." for an InvalidRequestException.
    std::string message() const;
};

// Validates `body` (an object) against structure `shape`. Members not in the model are ignored,
// as AWS does.
ValidationResult validate(const Shape& shape, const boost::json::object& body);

// The shapes the operations use.
namespace shapes {
extern const Shape kSessionId;
extern const Shape kEngineConfiguration;
extern const Shape kMonitoringConfiguration;
extern const Shape kWorkGroupConfiguration;
extern const Shape kWorkGroupConfigurationUpdates;
extern const Shape kGetSessionStatusInput;
extern const Shape kSessionIdInput;  // GetSession, TerminateSession
extern const Shape kStartSessionInput;
extern const Shape kListSessionsInput;
extern const Shape kCreateWorkGroupInput;
extern const Shape kWorkGroupInput;  // GetWorkGroup
extern const Shape kListWorkGroupsInput;
extern const Shape kUpdateWorkGroupInput;
extern const Shape kDeleteWorkGroupInput;
extern const Shape kTagResourceInput;
extern const Shape kUntagResourceInput;
extern const Shape kListTagsForResourceInput;
extern const Shape kStartCalculationInput;
extern const Shape kCalculationIdInput;  // Get*, GetCalculationExecutionCode, Stop*
extern const Shape kListCalculationsInput;
extern const Shape kListExecutorsInput;
}  // namespace shapes

}  // namespace athena
