#include "state/sqlite_db.hpp"

namespace athena {

Stmt::~Stmt() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
}

Stmt& Stmt::bind(int i, std::string_view v) {
    if (sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC) != SQLITE_OK) db_.fail("bind");
    return *this;
}

Stmt& Stmt::bind_blob(int i, std::string_view bytes) {
    // A zero-length blob, not NULL, when empty.
    static const char kEmpty = 0;
    const char* p = bytes.empty() ? &kEmpty : bytes.data();
    if (sqlite3_bind_blob(s_, i, p, static_cast<int>(bytes.size()), SQLITE_STATIC) != SQLITE_OK) db_.fail("bind");
    return *this;
}

Stmt& Stmt::bind(int i, std::int64_t v) {
    if (sqlite3_bind_int64(s_, i, v) != SQLITE_OK) db_.fail("bind");
    return *this;
}

Stmt& Stmt::bind_null(int i) {
    if (sqlite3_bind_null(s_, i) != SQLITE_OK) db_.fail("bind");
    return *this;
}

bool Stmt::step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_.fail("step");
}

void Stmt::run() {
    while (step()) {
    }
}

std::string Stmt::col_text(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, i))) : std::string();
}

std::string_view Stmt::col_view(int i) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(s_, i));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, i))) : std::string_view();
}

SqliteDb::SqliteDb(const std::string& path) : path_(path) {
    const int rc =
        sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw SqliteError("cannot open database '" + path + "': " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, 5000);
}

SqliteDb::~SqliteDb() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    if (db_) sqlite3_close(db_);
}

void SqliteDb::exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errmsg(db_);
        sqlite3_free(err);
        throw SqliteError("database '" + path_ + "': " + msg);
    }
}

Stmt SqliteDb::prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) fail("prepare");
        it = cache_.emplace(sql, s).first;
    }
    return Stmt(*this, it->second);
}

void SqliteDb::fail(const char* what) const {
    throw SqliteError("database '" + path_ + "': " + what + ": " + sqlite3_errmsg(db_));
}

}  // namespace athena
