#pragma once
// The fixture format (CONTRACT §8), read and written in one place: JSON -> FixtureSet for
// --fixtures and POST /_emulator/fixtures, and the whole state -> JSON for GET /_emulator/state.
// Each section (profiles, scenarios, ...) has its reader and its writer side by side in the
// .cpp. Every problem is reported as "<source>: <json path>: <reason>" and nothing of a bad
// document is used.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "control/faults.hpp"
#include "state/fixture_set.hpp"
#include "state/result.hpp"
#include "state/services.hpp"

namespace athena {

Result<FixtureSet> parse_fixture_text(std::string_view text, const std::string& source);
Result<FixtureSet> parse_fixture_value(const boost::json::value& doc, const std::string& source);

// A whole fixture document: the domain's part and the wire's (fault rules).
struct FixtureDocument {
    FixtureSet set;
    std::vector<FaultRule> faults;
    std::string text;  // as read by load_fixture_paths (the startup fixtures: reset parses it again)
};
Result<FixtureDocument> parse_fixture_document(std::string_view text, const std::string& source);

// The whole state as a fixture document (GET /_emulator/state): what `snap` holds and the
// fault rules.
boost::json::object state_document(const StateSnapshot& snap, const std::vector<FaultRule>& faults);

// The built-in default fixture (fixtures/default.json compiled in).
std::string_view embedded_default_fixture();

// "invalid JSON at line L, column C: <reason>" for a parser that stopped after `used` bytes of
// `text` (the fixture and credentials files share it).
std::string json_syntax_error(std::string_view text, std::size_t used, const boost::system::error_code& ec);

// Resolves --fixtures values: files, directories (their *.json, sorted), "none"; no value at
// all means the built-in default. Errors name the file.
Result<std::vector<FixtureDocument>> load_fixture_paths(const std::vector<std::string>& paths);

}  // namespace athena
