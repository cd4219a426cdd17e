#include "state/notebook_service.hpp"

#include <algorithm>

#include "state/domain_context.hpp"
#include "state/workgroup_service.hpp"

namespace athena {
namespace {

// Notebook ids come from their own engine: the same seed must not give a notebook the id of a
// session.
constexpr std::uint64_t kNotebookSeedSalt = 0x6e6f7465626f6f6bULL;  // "notebook"

Error workgroup_missing(std::string_view name) {
    return make_error(ErrorKind::WorkgroupNotFound, "WorkGroup is not found: " + std::string(name), std::string(name));
}

Error session_missing(std::string_view id) {
    return make_error(ErrorKind::SessionNotFound, "Session " + std::string(id) + " does not exist.", std::string(id));
}

Error fixture_problem(const FixtureSet& f, const std::string& path, const std::string& why) {
    return make_error(ErrorKind::InvalidArgument, f.source + ": " + path + ": " + why);
}

// The checks of one fixture notebook against the store; its record on success.
Result<NotebookRecord> fixture_notebook(Store::Tx& tx, const FixtureSet& f, const FixtureNotebook& fn, const Tenant& t,
                                        Instant now) {
    const std::string where = " in account " + t.account + ", region " + t.region;
    auto wg = tx.find_workgroup(t, fn.workgroup);
    if (!wg)
        return fixture_problem(
            f, fn.path + ".workgroup",
            "workgroup '" + fn.workgroup + "' does not exist" + where + " (define it under \"workgroups\" first)");
    if (!wg->is_spark())
        return fixture_problem(f, fn.path + ".workgroup",
                               "workgroup '" + fn.workgroup +
                                   "' is not a Spark workgroup: notebooks need one whose "
                                   "engine_version is PySpark engine version 3");
    if (auto other = tx.find_notebook_by_name(t, fn.workgroup, fn.name); other && other->id != fn.id)
        return fixture_problem(f, fn.path + ".name",
                               "notebook " + other->id + " of workgroup '" + fn.workgroup + "' is named '" + fn.name +
                                   "' already; names are unique in a workgroup");
    NotebookRecord n{t,
                     fn.id,
                     fn.workgroup,
                     fn.name,
                     fn.type,
                     fn.payload.value_or(std::string(kEmptyNotebookPayload)),
                     fn.created.value_or(now),
                     fn.modified.value_or(fn.created.value_or(now))};
    if (n.created > now) return fixture_problem(f, fn.path + ".created", "a notebook cannot be created in the future");
    if (n.modified > now || n.modified < n.created)
        return fixture_problem(f, fn.path + ".modified", "must be between created and the clock's time");
    for (std::size_t i = 0; i < fn.sessions.size(); ++i) {
        auto s = tx.find_session(t, fn.sessions[i]);
        if (!s || s->workgroup != fn.workgroup)
            return fixture_problem(
                f, fn.path + ".sessions[" + std::to_string(i) + "]",
                "session '" + fn.sessions[i] + "' does not exist in workgroup '" + fn.workgroup + "'" + where);
    }
    return n;
}

}  // namespace

Result<int> NotebookService::apply_fixtures(Store::Tx& tx, const FixtureSet& f, const Tenant& default_tenant,
                                            Instant now) {
    int count = 0;
    for (const auto& fn : f.notebooks) {
        const Tenant t{fn.account.value_or(default_tenant.account), fn.region.value_or(default_tenant.region)};
        auto n = fixture_notebook(tx, f, fn, t, now);
        if (!n) return n.error();
        tx.delete_notebook(t, n->id);  // a replaced notebook forgets its old session links
        tx.put_notebook(*n);
        for (const auto& sid : fn.sessions) tx.link_notebook_session(t, n->id, sid);
        ++count;
    }
    return count;
}

std::vector<NotebookSnapshot> NotebookService::export_in(Store::Tx& tx) {
    std::vector<NotebookSnapshot> out;
    for (auto& n : tx.all_notebooks()) {
        auto sessions = tx.notebook_session_ids(n.tenant, n.id);
        out.push_back(NotebookSnapshot{std::move(n), std::move(sessions)});
    }
    return out;
}

NotebookService::NotebookService(Store& store, Clock& clock, std::uint64_t seed)
    : store_(store), clock_(clock), ids_(seed ^ kNotebookSeedSalt) {}

Result<std::string> NotebookService::create(const Tenant& t, std::string_view operation,
                                            const CreateNotebookInput& in) {
    return store_.write([&](Store::Tx& tx) -> Result<std::string> {
        if (auto prior = stored_token_answer(tx, t, operation, in.client_token, in.fingerprint)) return *prior;
        auto wg = tx.find_workgroup(t, in.workgroup);
        if (!wg) return workgroup_missing(in.workgroup);
        if (!wg->is_spark())
            return make_error(ErrorKind::InvalidState,
                              "Workgroup " + wg->name +
                                  " is not a Spark workgroup: notebooks live in workgroups "
                                  "whose engine is PySpark engine version 3.",
                              wg->name);
        if (auto e = check_notebook_type(in.type)) return *e;
        if (tx.find_notebook_by_name(t, wg->name, in.name)) return notebook_name_taken(wg->name, in.name);
        NotebookRecord n;
        n.tenant = t;
        n.id = ids_.next_uuid();
        n.workgroup = wg->name;
        n.name = in.name;
        n.type = in.type;
        n.payload = in.payload.value_or(std::string(kEmptyNotebookPayload));
        n.created = n.modified = clock_.now();
        tx.put_notebook(n);
        if (in.client_token) tx.put_token(t, operation, *in.client_token, in.fingerprint, n.id);
        return n.id;
    });
}

Result<NotebookRecord> NotebookService::get(const Tenant& t, std::string_view id) {
    return store_.read([&](Store::Tx& tx) -> Result<NotebookRecord> {
        auto n = tx.find_notebook(t, id);
        if (!n) return notebook_not_found(id);
        return *n;
    });
}

Result<NotebookPage> NotebookService::list(const Tenant& t, std::string_view workgroup, std::string_view name_filter,
                                           int max, const std::optional<std::string>& after) {
    return store_.read([&](Store::Tx& tx) -> Result<NotebookPage> {
        if (!tx.find_workgroup(t, workgroup)) return workgroup_missing(workgroup);
        NotebookPage page;
        for (auto& n : tx.workgroup_notebooks(t, workgroup)) {
            if (after && n.name <= *after) continue;
            if (!notebook_name_matches(n.name, name_filter)) continue;
            if (static_cast<int>(page.notebooks.size()) == max) {
                page.next_after = page.notebooks.back().name;
                break;
            }
            page.notebooks.push_back(std::move(n));
        }
        return page;
    });
}

std::optional<Error> NotebookService::check_linkable_session(Store::Tx& tx, const Tenant& t, const NotebookRecord& n,
                                                             std::string_view session_id) {
    auto s = tx.find_session(t, session_id);
    if (!s)
        return make_error(ErrorKind::InvalidArgument, "Session " + std::string(session_id) + " does not exist.",
                          std::string(session_id));
    if (s->workgroup != n.workgroup)
        return make_error(ErrorKind::InvalidArgument,
                          "Session " + s->id + " belongs to workgroup " + s->workgroup + ", not to the notebook's " +
                              n.workgroup + ": use a session of " + n.workgroup + ".",
                          s->id);
    const SessionState state = status_at(*s, clock_.now()).state;
    if (!is_active(state))
        return make_error(ErrorKind::InvalidArgument,
                          "Session " + s->id + " is " + std::string(to_string(state)) +
                              "; a notebook can use a session that is CREATING, CREATED, IDLE or BUSY.",
                          s->id);
    return std::nullopt;
}

Result<Unit> NotebookService::update(const Tenant& t, const UpdateNotebookInput& in) {
    return store_.write([&](Store::Tx& tx) -> Result<Unit> {
        if (auto prior = stored_token_answer(tx, t, "UpdateNotebook", in.client_token, in.fingerprint)) {
            if (!*prior) return prior->error();
            return Unit{};
        }
        auto n = tx.find_notebook(t, in.notebook_id);
        if (!n) return notebook_not_found(in.notebook_id);
        if (auto e = check_notebook_type(in.type)) return *e;
        if (in.session_id) {
            if (auto e = check_linkable_session(tx, t, *n, *in.session_id)) return *e;
            tx.link_notebook_session(t, n->id, *in.session_id);
        }
        n->payload = in.payload;
        n->type = in.type;
        n->modified = clock_.now();
        tx.put_notebook(*n);
        if (in.client_token) tx.put_token(t, "UpdateNotebook", *in.client_token, in.fingerprint, n->id);
        return Unit{};
    });
}

Result<Unit> NotebookService::rename(const Tenant& t, std::string_view id, std::string_view name,
                                     const std::optional<std::string>& client_token, const std::string& fingerprint) {
    return store_.write([&](Store::Tx& tx) -> Result<Unit> {
        if (auto prior = stored_token_answer(tx, t, "UpdateNotebookMetadata", client_token, fingerprint)) {
            if (!*prior) return prior->error();
            return Unit{};
        }
        auto n = tx.find_notebook(t, id);
        if (!n) return notebook_not_found(id);
        if (auto other = tx.find_notebook_by_name(t, n->workgroup, name); other && other->id != n->id)
            return notebook_name_taken(n->workgroup, name);
        n->name = std::string(name);
        n->modified = clock_.now();
        tx.put_notebook(*n);
        if (client_token) tx.put_token(t, "UpdateNotebookMetadata", *client_token, fingerprint, n->id);
        return Unit{};
    });
}

Result<Unit> NotebookService::remove(const Tenant& t, std::string_view id) {
    return store_.write([&](Store::Tx& tx) -> Result<Unit> {
        if (!tx.find_notebook(t, id)) return notebook_not_found(id);
        tx.delete_notebook(t, id);
        return Unit{};
    });
}

Result<NotebookSessionPage> NotebookService::sessions(const Tenant& t, std::string_view id, int max,
                                                      std::size_t offset) {
    return store_.read([&](Store::Tx& tx) -> Result<NotebookSessionPage> {
        if (!tx.find_notebook(t, id))
            return make_error(ErrorKind::ResourceNotFound, "Notebook " + std::string(id) + " does not exist.",
                              std::string(id));
        const Instant now = clock_.now();
        std::vector<SessionRecord> active;
        for (const auto& sid : tx.notebook_session_ids(t, id))
            if (auto s = tx.find_session(t, sid); s && is_active(status_at(*s, now).state)) active.push_back(*s);
        // Newest first; among equal start times the one linked last first.
        std::reverse(active.begin(), active.end());
        std::stable_sort(active.begin(), active.end(), [](const auto& a, const auto& b) { return a.start > b.start; });
        NotebookSessionPage page;
        const std::size_t end = std::min(active.size(), offset + static_cast<std::size_t>(max));
        for (std::size_t i = std::min(offset, active.size()); i < end; ++i)
            page.sessions.push_back(NotebookSession{active[i].id, active[i].start});
        if (end < active.size()) page.next_offset = end;
        return page;
    });
}

Result<NotebookUrl> NotebookService::presigned_url(const Tenant& t, std::string_view session_id) {
    auto s = store_.find_session(t, session_id);
    if (!s) return session_missing(session_id);
    const Instant now = clock_.now();
    const SessionState state = status_at(*s, now).state;
    if (!is_active(state))
        return make_error(ErrorKind::InvalidState,
                          "Session " + s->id + " is " + std::string(to_string(state)) +
                              "; a notebook URL is available while it is CREATING, CREATED, IDLE or BUSY.",
                          s->id);
    return NotebookUrl{"https://" + s->id + ".notebook." + t.region + ".athena-emu.invalid/lab", ids_.next_uuid(),
                       now + std::chrono::hours{1}};
}

Result<std::string> NotebookService::dashboard_url(const Tenant& t, std::string_view arn) {
    auto ref = parse_athena_arn(arn);
    if (ref && ref->tenant.account.empty()) ref->tenant.account = t.account;
    const bool found =
        ref && ref->kind == "session" && ref->tenant == t && store_.find_session(t, ref->name).has_value();
    if (!found)
        return make_error(ErrorKind::ResourceNotFound,
                          "The resource " + std::string(arn) +
                              " does not exist: give the ARN of a session of this account and region "
                              "(arn:aws:athena:<region>:<account>:session/<id>).",
                          std::string(arn));
    return "https://" + ref->name + ".spark-ui." + t.region + ".athena-emu.invalid/";
}

}  // namespace athena
