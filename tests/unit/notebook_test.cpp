// Notebooks: the pure rules (state/notebook.hpp), NotebookService on a manual clock over an
// in-memory store, and the wire's payload check (server/notebook_operations.hpp).
#include <doctest/doctest.h>

#include "server/notebook_operations.hpp"
#include "state/services.hpp"

using namespace athena;

namespace {

const Instant T0 = from_epoch_ms(1767225600000);
const Tenant A{"111111111111", "us-east-1"};
const Tenant B{"222222222222", "us-east-1"};

struct Notebooks {
    Store store{":memory:"};
    ManualClock clock{T0};
    Services service{store, clock, &clock, T0, ServiceOptions{A, std::nullopt, {}, 42}};
    NotebookService& nb = service.notebooks;

    Notebooks() {
        REQUIRE(service.control.initialize());
        WorkgroupRecord w;
        w.tenant = A;
        w.name = "wg";
        w.engine_version = std::string(kSparkEngine);
        w.execution_role = "arn:aws:iam::111111111111:role/r";
        REQUIRE(service.workgroups.create_workgroup(w));
    }
    std::string create(std::string name, std::optional<std::string> token = std::nullopt, std::string fp = "f") {
        CreateNotebookInput in;
        in.workgroup = "wg";
        in.name = std::move(name);
        in.client_token = std::move(token);
        in.fingerprint = std::move(fp);
        auto r = nb.create(A, "CreateNotebook", in);
        REQUIRE(r);
        return *r;
    }
    std::string start_session() {
        StartSessionInput in;
        in.workgroup = "wg";
        auto r = service.sessions.start_session(A, in);
        REQUIRE(r);
        return r->session_id;
    }
};

}  // namespace

TEST_CASE("the engine catalog: effective versions and notebook versions") {
    CHECK(effective_engine_version("AUTO") == std::optional<std::string_view>("Athena engine version 3"));
    CHECK(effective_engine_version("PySpark engine version 3") ==
          std::optional<std::string_view>("PySpark engine version 3"));
    CHECK_FALSE(effective_engine_version("Athena engine version 9"));
    CHECK_FALSE(check_notebook_version(""));
    CHECK_FALSE(check_notebook_version("Athena notebook version 1"));
    auto e = check_notebook_version("Athena notebook version 2");
    REQUIRE(e);
    CHECK(e->kind == ErrorKind::InvalidArgument);
    CHECK(e->message ==
          "NotebookVersion 'Athena notebook version 2' is not supported; use Athena notebook version 1 "
          "(ListApplicationDPUSizes lists them).");
    CHECK(notebook_name_matches("alphabet", "pha"));
    CHECK(notebook_name_matches("alphabet", ""));
    CHECK_FALSE(notebook_name_matches("alphabet", "Pha"));
}

TEST_CASE("the payload must be a notebook document") {
    CHECK_FALSE(notebook_payload_problem(kEmptyNotebookPayload));
    const std::string p = "Payload is not a Jupyter notebook (IPYNB) document: ";
    CHECK(notebook_payload_problem("[]") == p + "it is not a JSON object.");
    CHECK(notebook_payload_problem(R"({"cells":{},"metadata":{},"nbformat":4,"nbformat_minor":0})") ==
          p + "the member \"cells\" must be an array.");
    CHECK(notebook_payload_problem(R"({"cells":[],"metadata":{},"nbformat":4.5,"nbformat_minor":0})") ==
          p + "the member \"nbformat\" must be an integer.");
    CHECK(notebook_payload_problem(R"({"cells":[],"metadata":{},"nbformat":4})") ==
          p + "the member \"nbformat_minor\" must be an integer.");
    auto bad = notebook_payload_problem("{\"cells\":");
    REQUIRE(bad);
    CHECK(bad->rfind(p + "it is not JSON (", 0) == 0);
}

TEST_CASE("create, names unique per workgroup, times from the clock, rename and delete") {
    Notebooks d;
    REQUIRE(d.service.control.advance_clock(Millis{1500}));
    const std::string id = d.create("one");
    auto n = d.nb.get(A, id);
    REQUIRE(n);
    CHECK(n->payload == kEmptyNotebookPayload);
    CHECK(n->created == T0 + Millis{1500});
    CHECK(n->modified == n->created);
    CreateNotebookInput dup;
    dup.workgroup = "wg";
    dup.name = "one";
    auto r = d.nb.create(A, "CreateNotebook", dup);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "A notebook named 'one' already exists in workgroup wg; choose another name.");
    const std::string two = d.create("two");
    CHECK_FALSE(d.nb.rename(A, two, "one", std::nullopt, ""));
    REQUIRE(d.service.control.advance_clock(Millis{10}));
    REQUIRE(d.nb.rename(A, two, "three", std::nullopt, ""));
    CHECK(d.nb.get(A, two)->modified == T0 + Millis{1510});
    CHECK_FALSE(d.nb.get(B, id));  // another tenant
    REQUIRE(d.nb.remove(A, id));
    auto gone = d.nb.get(A, id);
    REQUIRE_FALSE(gone);
    CHECK(gone.error().message == "Notebook " + id + " does not exist.");
}

TEST_CASE("list: by name, substring filter, pages") {
    Notebooks d;
    for (auto name : {"b", "ab", "a", "cab"}) d.create(name);
    auto all = d.nb.list(A, "wg", "", 50, std::nullopt);
    REQUIRE(all);
    std::vector<std::string> names;
    for (auto& n : all->notebooks) names.push_back(n.name);
    CHECK(names == std::vector<std::string>{"a", "ab", "b", "cab"});
    auto page = d.nb.list(A, "wg", "b", 2, std::nullopt);
    REQUIRE(page);
    CHECK(page->notebooks.size() == 2);
    REQUIRE(page->next_after);
    auto rest = d.nb.list(A, "wg", "b", 2, page->next_after);
    REQUIRE(rest);
    REQUIRE(rest->notebooks.size() == 1);
    CHECK(rest->notebooks[0].name == "cab");
    CHECK_FALSE(rest->next_after);
    CHECK(d.nb.list(A, "nope", "", 50, std::nullopt).error().kind == ErrorKind::WorkgroupNotFound);
}

TEST_CASE("tokens replay the first answer and refuse other parameters") {
    Notebooks d;
    const std::string id = d.create("t", "tok", "fp1");
    CHECK(d.create("t", "tok", "fp1") == id);
    CreateNotebookInput other;
    other.workgroup = "wg";
    other.name = "u";
    other.client_token = "tok";
    other.fingerprint = "fp2";
    CHECK(d.nb.create(A, "CreateNotebook", other).error().kind == ErrorKind::IdempotentParameterMismatch);
    // The same token in another operation is another token.
    other.fingerprint = "fp1";
    CHECK(d.nb.create(A, "ImportNotebook", other));
}

TEST_CASE("sessions: linked, active only, newest first; presigned URLs and dashboards") {
    Notebooks d;
    const std::string id = d.create("n");
    const std::string s1 = d.start_session();
    REQUIRE(d.service.control.advance_clock(Millis{100}));
    const std::string s2 = d.start_session();
    for (const auto& s : {s1, s2}) {
        UpdateNotebookInput u{id, std::string(kEmptyNotebookPayload), "IPYNB", s, std::nullopt, ""};
        REQUIRE(d.nb.update(A, u));
    }
    auto page = d.nb.sessions(A, id, 10, 0);
    REQUIRE(page);
    REQUIRE(page->sessions.size() == 2);
    CHECK(page->sessions[0].session_id == s2);
    CHECK(page->sessions[1].created == T0);
    REQUIRE(d.service.sessions.terminate_session(A, s2));
    CHECK(d.nb.sessions(A, id, 10, 0)->sessions.size() == 1);
    CHECK(d.nb.sessions(A, "x", 10, 0).error().kind == ErrorKind::ResourceNotFound);
    UpdateNotebookInput dead{id, std::string(kEmptyNotebookPayload), "IPYNB", s2, std::nullopt, ""};
    CHECK(d.nb.update(A, dead).error().kind == ErrorKind::InvalidArgument);
    CHECK(d.nb.presigned_url(A, s2).error().kind == ErrorKind::InvalidState);
    CHECK(d.nb.presigned_url(A, "nope").error().kind == ErrorKind::SessionNotFound);
    auto url = d.nb.presigned_url(A, s1);
    REQUIRE(url);
    CHECK(url->expires == d.clock.now() + std::chrono::hours{1});
    CHECK(*d.nb.dashboard_url(A, "arn:aws:athena:us-east-1:111111111111:session/" + s1) ==
          "https://" + s1 + ".spark-ui.us-east-1.athena-emu.invalid/");
    CHECK(d.nb.dashboard_url(B, "arn:aws:athena:us-east-1:111111111111:session/" + s1).error().kind ==
          ErrorKind::ResourceNotFound);
}

TEST_CASE("reset drops notebooks") {
    Notebooks d;
    const std::string id = d.create("n");
    REQUIRE(d.service.control.reset(false));
    CHECK_FALSE(d.nb.get(A, id));
}

TEST_CASE("a workgroup holding notebooks is deleted only recursively") {
    CHECK_FALSE(check_workgroup_notebooks("wg", 0, false));
    CHECK_FALSE(check_workgroup_notebooks("wg", 3, true));
    auto one = check_workgroup_notebooks("wg", 1, false);
    REQUIRE(one);
    CHECK(one->kind == ErrorKind::InvalidState);
    CHECK(one->message == "WorkGroup wg has 1 notebook; delete them (DeleteNotebook) or set RecursiveDeleteOption.");
    CHECK(check_workgroup_notebooks("wg", 2, false)->message ==
          "WorkGroup wg has 2 notebooks; delete them (DeleteNotebook) or set RecursiveDeleteOption.");
}
