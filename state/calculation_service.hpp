#pragma once
// Calculations: StartCalculationExecution and friends, GetSessionEndpoint, ListExecutors, and
// the calculation outputs the S3 front end serves. Thread-safe (the store serialises; the
// clock is atomic). Every method may also return Internal when the store fails; nothing is
// then written.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/domain_context.hpp"
#include "state/session_service.hpp"

namespace athena {

struct StartCalculationInput {
    std::string session_id;
    std::string description;
    std::string code;
    std::optional<std::string> client_token;
    std::string fingerprint;
};

struct StartCalculationOutput {
    std::string calculation_id;
    CalculationState state;
};

struct CalculationDetails {
    CalculationRecord record;
    CalculationStatus status;
    std::int64_t dpu_execution_ms{0};
};

using CalculationCursor = PageCursor;  // at_ms: the calculation's submission

struct CalculationPage {
    std::vector<CalculationDetails> calculations;
    std::optional<CalculationCursor> next;
};

struct SessionEndpoint {
    std::string url;
    std::string auth_token;
    Instant expires;
};

enum class ExecutorType { Coordinator, Gateway, Worker };
enum class ExecutorState { Creating, Created, Registered, Terminating, Terminated, Failed };
std::string_view to_string(ExecutorType t);
std::string_view to_string(ExecutorState s);
std::optional<ExecutorState> parse_executor_state(std::string_view s);

struct Executor {
    std::string id;
    ExecutorType type;
    Instant start;
    std::optional<Instant> end;
    ExecutorState state;
    int size;  // DPUs
};

// A bucket as the account sees it: it exists when it is the default results bucket or one of
// the account's calculations names it (even before that calculation has written anything).
struct BucketContents {
    bool exists{false};
    std::vector<OutputObject> objects;  // by key
};

class CalculationService {
public:
    explicit CalculationService(DomainContext& ctx) : ctx_(ctx) {}

    // A new calculation whose timeline follows the session's profile and the first matching
    // outcome rule (plan_new_calculation); the session is BUSY until it ends. Its id is the one
    // the admin API chose for the session's next calculation, else a UUID. Success: the id and
    // CREATING. A client token seen before with the same fingerprint returns the first answer
    // again and changes nothing.
    // IdempotentParameterMismatch: the token was used with other parameters.
    // SessionNotFound: no such session for `t`.
    // InvalidState: the session is not IDLE (resource = the session id).
    Result<StartCalculationOutput> start_calculation(const Tenant& t, const StartCalculationInput& in);

    // The record, its status now and its time RUNNING.
    // ResourceNotFound when `id` does not exist for `t`.
    Result<CalculationDetails> get_calculation(const Tenant& t, std::string_view id);

    // The calculation outputs in `bucket` that `account` owns (any region), as of now, by key
    // (CONTRACT §3b). Never an error but Internal.
    Result<BucketContents> output_objects(std::string_view account, std::string_view bucket);

    // The session's calculations in `filter`'s state (all when null), newest first, at most
    // `max`, after `after`; `next` is set when more remain.
    // SessionNotFound: no such session for `t`.
    Result<CalculationPage> list_calculations(const Tenant& t, std::string_view session_id,
                                              std::optional<CalculationState> filter, int max,
                                              std::optional<CalculationCursor> after);

    // CANCELING now, CANCELED after calculation_canceling_ms (an outcome rule's "delayed":
    // after its stop_after_ms); a finished or canceling calculation, and one whose outcome rule
    // says "ignored", is left as it is. Success: the state after the call.
    // ResourceNotFound when `id` does not exist for `t`.
    Result<CalculationState> stop_calculation(const Tenant& t, std::string_view id);

    // A Spark Connect URL and a one-hour token for the session.
    // SessionNotFound: no such session. InvalidState: it is not IDLE or BUSY.
    Result<SessionEndpoint> session_endpoint(const Tenant& t, std::string_view session_id);

    // The session's coordinator and, for each calculation that ran, its workers; newest first.
    // SessionNotFound: no such session for `t`.
    Result<std::vector<Executor>> list_executors(const Tenant& t, std::string_view session_id);

private:
    // The id chosen for the session's next calculation (and forgets it), else a new UUID.
    std::string take_calculation_id(Store::Tx& tx, const SessionRecord& s);

    DomainContext& ctx_;
};

}  // namespace athena
