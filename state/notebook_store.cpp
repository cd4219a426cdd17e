// The store's notebook tables: notebooks and the sessions UpdateNotebook linked to them.
#include "state/store.hpp"

namespace athena {
namespace {

constexpr const char* kNotebookSchema = R"sql(
CREATE TABLE IF NOT EXISTS notebooks(
  nid INTEGER PRIMARY KEY,
  account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,
  workgroup TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,
  created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL,
  UNIQUE(account, region, id)
);
CREATE INDEX IF NOT EXISTS notebooks_by_workgroup ON notebooks(account, region, workgroup, name);
CREATE TABLE IF NOT EXISTS notebook_sessions(
  lid INTEGER PRIMARY KEY,
  account TEXT NOT NULL, region TEXT NOT NULL, notebook_id TEXT NOT NULL, session_id TEXT NOT NULL,
  UNIQUE(account, region, notebook_id, session_id)
);
)sql";

NotebookRecord read_notebook(const Stmt& st) {
    NotebookRecord n;
    n.tenant = Tenant{st.col_text(0), st.col_text(1)};
    n.id = st.col_text(2);
    n.workgroup = st.col_text(3);
    n.name = st.col_text(4);
    n.type = st.col_text(5);
    n.payload = st.col_text(6);
    n.created = from_epoch_ms(st.col_int(7));
    n.modified = from_epoch_ms(st.col_int(8));
    return n;
}

std::vector<NotebookRecord> read_all(Stmt& st) {
    std::vector<NotebookRecord> out;
    while (st.step()) out.push_back(read_notebook(st));
    return out;
}

}  // namespace

void Store::create_notebook_schema() { db_.exec(kNotebookSchema); }

std::optional<NotebookRecord> Store::Tx::find_notebook(const Tenant& t, std::string_view id) {
    auto st = s_.db_.prepare(
        "SELECT account, region, id, workgroup, name, type, payload, created_ms, modified_ms FROM notebooks "
        "WHERE account = ? AND region = ? AND id = ?");
    st.bind(1, t.account).bind(2, t.region).bind(3, id);
    if (!st.step()) return std::nullopt;
    return read_notebook(st);
}

std::optional<NotebookRecord> Store::Tx::find_notebook_by_name(const Tenant& t, std::string_view workgroup,
                                                               std::string_view name) {
    auto st = s_.db_.prepare(
        "SELECT account, region, id, workgroup, name, type, payload, created_ms, modified_ms FROM notebooks "
        "WHERE account = ? AND region = ? AND workgroup = ? AND name = ?");
    st.bind(1, t.account).bind(2, t.region).bind(3, workgroup).bind(4, name);
    if (!st.step()) return std::nullopt;
    return read_notebook(st);
}

void Store::Tx::put_notebook(const NotebookRecord& n) {
    // An upsert, not INSERT OR REPLACE: the row keeps its nid, so the export keeps its order.
    s_.db_
        .prepare(
            "INSERT INTO notebooks(account, region, id, workgroup, name, type, payload, created_ms, modified_ms) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(account, region, id) DO UPDATE SET "
            "workgroup = excluded.workgroup, name = excluded.name, type = excluded.type, "
            "payload = excluded.payload, created_ms = excluded.created_ms, modified_ms = excluded.modified_ms")
        .bind(1, n.tenant.account)
        .bind(2, n.tenant.region)
        .bind(3, n.id)
        .bind(4, n.workgroup)
        .bind(5, n.name)
        .bind(6, n.type)
        .bind(7, n.payload)
        .bind(8, to_epoch_ms(n.created))
        .bind(9, to_epoch_ms(n.modified))
        .run();
}

void Store::Tx::delete_notebook(const Tenant& t, std::string_view id) {
    s_.db_.prepare("DELETE FROM notebooks WHERE account = ? AND region = ? AND id = ?")
        .bind(1, t.account)
        .bind(2, t.region)
        .bind(3, id)
        .run();
    s_.db_.prepare("DELETE FROM notebook_sessions WHERE account = ? AND region = ? AND notebook_id = ?")
        .bind(1, t.account)
        .bind(2, t.region)
        .bind(3, id)
        .run();
}

std::vector<NotebookRecord> Store::Tx::workgroup_notebooks(const Tenant& t, std::string_view workgroup) {
    auto st = s_.db_.prepare(
        "SELECT account, region, id, workgroup, name, type, payload, created_ms, modified_ms FROM notebooks "
        "WHERE account = ? AND region = ? AND workgroup = ? ORDER BY name, nid");
    st.bind(1, t.account).bind(2, t.region).bind(3, workgroup);
    return read_all(st);
}

std::size_t Store::Tx::delete_workgroup_notebooks(const Tenant& t, std::string_view workgroup) {
    const auto notebooks = workgroup_notebooks(t, workgroup);
    for (const auto& n : notebooks) delete_notebook(t, n.id);
    return notebooks.size();
}

void Store::Tx::link_notebook_session(const Tenant& t, std::string_view notebook_id, std::string_view session_id) {
    s_.db_
        .prepare("INSERT OR IGNORE INTO notebook_sessions(account, region, notebook_id, session_id) VALUES(?, ?, ?, ?)")
        .bind(1, t.account)
        .bind(2, t.region)
        .bind(3, notebook_id)
        .bind(4, session_id)
        .run();
}

std::vector<std::string> Store::Tx::notebook_session_ids(const Tenant& t, std::string_view notebook_id) {
    auto st = s_.db_.prepare(
        "SELECT session_id FROM notebook_sessions WHERE account = ? AND region = ? AND notebook_id = ? ORDER BY lid");
    st.bind(1, t.account).bind(2, t.region).bind(3, notebook_id);
    std::vector<std::string> out;
    while (st.step()) out.push_back(st.col_text(0));
    return out;
}

std::vector<NotebookRecord> Store::Tx::all_notebooks() {
    auto st = s_.db_.prepare(
        "SELECT account, region, id, workgroup, name, type, payload, created_ms, modified_ms FROM notebooks "
        "ORDER BY nid");
    return read_all(st);
}

}  // namespace athena
