#include "state/domain_context.hpp"

namespace athena {

Error session_not_found(std::string_view id) {
    return make_error(ErrorKind::SessionNotFound, "Session " + std::string(id) + " does not exist.", std::string(id));
}

Error workgroup_not_found(std::string_view name) {
    return make_error(ErrorKind::WorkgroupNotFound, "WorkGroup is not found: " + std::string(name), std::string(name));
}

Error calculation_not_found(std::string_view id) {
    return make_error(ErrorKind::ResourceNotFound, "Calculation " + std::string(id) + " does not exist.",
                      std::string(id));
}

std::optional<Result<std::string>> stored_token_answer(Store::Tx& tx, const Tenant& t, std::string_view operation,
                                                       const std::optional<std::string>& token,
                                                       const std::string& fingerprint) {
    if (!token) return std::nullopt;
    auto prior = tx.find_token(t, operation, *token);
    if (!prior) return std::nullopt;
    if (prior->first != fingerprint)
        return Result<std::string>(
            make_error(ErrorKind::IdempotentParameterMismatch,
                       "ClientRequestToken " + *token + " was already used with different parameters."));
    return Result<std::string>(std::move(prior->second));
}

std::optional<Result<std::pair<std::string, std::string>>> replay_token(Store::Tx& tx, const Tenant& t,
                                                                        std::string_view operation,
                                                                        const std::optional<std::string>& token,
                                                                        const std::string& fingerprint) {
    using Answer = Result<std::pair<std::string, std::string>>;
    auto stored = stored_token_answer(tx, t, operation, token, fingerprint);
    if (!stored) return std::nullopt;
    if (!*stored) return Answer(stored->error());
    const std::string& text = **stored;
    const auto space = text.find(' ');
    return Answer(std::make_pair(text.substr(0, space), text.substr(space + 1)));
}

void terminate_in(Store::Tx& tx, SessionRecord& s, Instant now, std::string reason) {
    freeze_at(s, now);
    s.steps.push_back(Step{now, SessionState::Terminating, Cause::Api, std::move(reason)});
    tx.put_session_steps(s);
    end_calculations_in(tx, s, now, SessionState::Terminating);
}

void end_calculations_in(Store::Tx& tx, const SessionRecord& s, Instant now, SessionState state) {
    for (auto& c : tx.session_calculations(s.tenant, s.id)) {
        if (is_final(calculation_status_at(c, now).state)) continue;
        if (end_calculation_at(c, now, state)) tx.put_calculation(c);
    }
}

Profile profile_of_session(Store::Tx& tx, const SessionRecord& s) {
    if (auto wg = tx.find_workgroup(s.tenant, s.workgroup))
        if (auto p = tx.find_profile(wg->profile)) return *p;
    return builtin_default_profile();
}

}  // namespace athena
