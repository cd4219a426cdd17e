#pragma once
// The notebook side of Athena for Apache Spark, over the store and the clock: notebooks,
// their sessions, presigned notebook URLs and session dashboards.
// Thread-safe (the store serialises writes; the clock is atomic). Every method works within
// one tenant: another tenant's notebook or session does not exist for it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/clock.hpp"
#include "state/fixture_set.hpp"
#include "state/id_generator.hpp"
#include "state/notebook.hpp"
#include "state/result.hpp"
#include "state/store.hpp"

namespace athena {

// CreateNotebook (payload empty: the empty notebook) and ImportNotebook (the payload given,
// checked to be a notebook document by the wire layer).
struct CreateNotebookInput {
    std::string workgroup;
    std::string name;
    std::string type{kNotebookTypeIpynb};
    std::optional<std::string> payload;
    std::optional<std::string> client_token;
    std::string fingerprint;  // the request's parameters, for token replay
};

struct UpdateNotebookInput {
    std::string notebook_id;
    std::string payload;
    std::string type{kNotebookTypeIpynb};
    std::optional<std::string> session_id;
    std::optional<std::string> client_token;
    std::string fingerprint;
};

struct NotebookPage {
    std::vector<NotebookRecord> notebooks;
    std::optional<std::string> next_after;  // resume after this name
};

struct NotebookSession {
    std::string session_id;
    Instant created;
};

struct NotebookSessionPage {
    std::vector<NotebookSession> sessions;
    std::optional<std::size_t> next_offset;
};

struct NotebookUrl {
    std::string url;
    std::string auth_token;
    Instant expires;
};

// A notebook as the state export shows it: the record and its linked sessions, in link order.
struct NotebookSnapshot {
    NotebookRecord record;
    std::vector<std::string> sessions;
};

class NotebookService {
public:
    // `seed` seeds the notebook ids (same seed, same requests: same ids).
    NotebookService(Store& store, Clock& clock, std::uint64_t seed);

    // Creates a notebook in a Spark workgroup; returns its id.
    // WorkgroupNotFound: no such workgroup. InvalidState: the workgroup is not a Spark one.
    // InvalidArgument: the name is taken in the workgroup, or the type is not IPYNB.
    // IdempotentParameterMismatch: the token was used by `operation` with other parameters;
    // the same token and parameters again return the first answer's id and change nothing.
    Result<std::string> create(const Tenant& t, std::string_view operation, const CreateNotebookInput& in);
    // InvalidArgument (notebook_not_found) when the tenant has no such notebook.
    Result<NotebookRecord> get(const Tenant& t, std::string_view id);
    // The workgroup's notebooks whose name contains `name_filter`, by name, at most `max`,
    // after the name `after`. WorkgroupNotFound: no such workgroup.
    Result<NotebookPage> list(const Tenant& t, std::string_view workgroup, std::string_view name_filter, int max,
                              const std::optional<std::string>& after);
    // Replaces the payload (and type), sets LastModifiedTime; links the session when given.
    // InvalidArgument: unknown notebook, a type other than IPYNB, or a session that does not
    // exist, is not active (CREATING, CREATED, IDLE, BUSY) or belongs to another workgroup.
    // IdempotentParameterMismatch as for create.
    Result<Unit> update(const Tenant& t, const UpdateNotebookInput& in);
    // Renames. InvalidArgument: unknown notebook or a name taken by another notebook of the
    // workgroup. IdempotentParameterMismatch as for create.
    Result<Unit> rename(const Tenant& t, std::string_view id, std::string_view name,
                        const std::optional<std::string>& client_token, const std::string& fingerprint);
    // InvalidArgument: unknown notebook.
    Result<Unit> remove(const Tenant& t, std::string_view id);
    // The notebook's linked sessions that are active now, newest first, `max` from `offset`.
    // ResourceNotFound: unknown notebook.
    Result<NotebookSessionPage> sessions(const Tenant& t, std::string_view id, int max, std::size_t offset);
    // A notebook URL for an active session (an .invalid host: nothing listens there).
    // SessionNotFound: no such session. InvalidState: the session is not active.
    Result<NotebookUrl> presigned_url(const Tenant& t, std::string_view session_id);
    // The Spark UI URL of the session an ARN names. ResourceNotFound: the ARN is not a session
    // ARN of this tenant, or the session does not exist.
    Result<std::string> dashboard_url(const Tenant& t, std::string_view arn);

    // Fixtures (inside the fixture transaction, after the document's sessions): puts each of
    // `f.notebooks`, replacing a notebook with the same id, and links its sessions. Returns how
    // many. InvalidArgument "<source>: <path>: <why>" when its workgroup does not exist in its
    // account and region or is not a Spark one, its name is another notebook's of the
    // workgroup, a time is after `now` (or modified before created), or a session does not
    // exist in its account and region or belongs to another workgroup.
    static Result<int> apply_fixtures(Store::Tx& tx, const FixtureSet& f, const Tenant& default_tenant, Instant now);
    // Every notebook of every tenant, in insertion order (for the state export).
    static std::vector<NotebookSnapshot> export_in(Store::Tx& tx);

private:
    std::optional<Error> check_linkable_session(Store::Tx& tx, const Tenant& t, const NotebookRecord& n,
                                                std::string_view session_id);

    Store& store_;
    Clock& clock_;
    IdGenerator ids_;
};

}  // namespace athena
