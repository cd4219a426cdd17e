#pragma once
// Thin RAII over the SQLite C API: a connection with a cache of prepared statements.
// Not thread-safe: the Store serialises access.
#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace athena {

struct SqliteError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class SqliteDb;

// A prepared statement borrowed from the cache; reset and unbound when it goes out of scope.
class Stmt {
public:
    Stmt(SqliteDb& db, sqlite3_stmt* s) : db_(db), s_(s) {}
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    ~Stmt();

    // Text and blobs are bound without a copy: they must stay alive until the statement is
    // stepped (the Stmt is reset and its bindings cleared when it goes out of scope).
    Stmt& bind(int i, std::string_view v);
    Stmt& bind_blob(int i, std::string_view bytes);
    Stmt& bind(int i, std::int64_t v);
    Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
    Stmt& bind_null(int i);
    // true while a row is available; throws SqliteError on failure.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    std::int64_t col_int(int i) const { return sqlite3_column_int64(s_, i); }
    bool col_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }
    std::string col_text(int i) const;
    // The column's bytes, valid until the next step() or the end of the Stmt.
    std::string_view col_view(int i) const;

private:
    SqliteDb& db_;
    sqlite3_stmt* s_;
};

class SqliteDb {
public:
    // Opens or creates `path` (":memory:" for a private in-memory database).
    // Throws SqliteError naming the path and SQLite's reason.
    explicit SqliteDb(const std::string& path);
    ~SqliteDb();
    SqliteDb(const SqliteDb&) = delete;
    SqliteDb& operator=(const SqliteDb&) = delete;

    void exec(const char* sql);
    // The cached prepared statement for `sql` (a string literal: cached by address).
    Stmt prepare(const char* sql);
    std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
    [[noreturn]] void fail(const char* what) const;
    const std::string& path() const { return path_; }
    // The raw connection, for tests that inject failures with SQLite's own hooks
    // (sqlite3_progress_handler).
    sqlite3* handle() const { return db_; }

private:
    sqlite3* db_{nullptr};
    std::string path_;
    std::map<const char*, sqlite3_stmt*> cache_;
};

}  // namespace athena
