#pragma once
// A fixture document in domain terms, as the wire layer parsed it. Each entity keeps the
// JSON path it came from so that the domain's checks can name it.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "state/calculation.hpp"
#include "state/profile.hpp"
#include "state/result.hpp"
#include "state/scenario.hpp"
#include "state/session.hpp"

namespace athena {

struct FixtureWorkgroup {
    std::string path;  // e.g. "workgroups[0]"
    std::optional<std::string> account, region;
    std::string name;
    std::string engine_version;
    std::optional<std::string> profile, scenario;
    bool enabled{true};
    std::string description;
    std::string configuration;    // opaque
    std::string execution_role;   // from the configuration
    std::string output_location;  // from the configuration
    std::optional<Instant> created;
    Tags tags;
};

struct FixtureSession {
    std::string path;  // e.g. "sessions[3]"
    std::optional<std::string> account, region;
    std::string id;
    std::string workgroup;
    std::string description;
    std::optional<Instant> start_time;
    std::optional<std::vector<ScriptStep>> script;
    std::optional<std::string> scenario;
    std::vector<Step> history;  // transitions already made, oldest first
    std::optional<int> idle_timeout_minutes;
    std::string engine_configuration;  // opaque
    int coordinator_dpu_size{1}, max_concurrent_dpus{20}, default_executor_dpu_size{1};
    std::optional<Millis> terminating_ms;
    std::string monitoring_configuration;  // opaque
    std::string notebook_version;
    std::optional<std::string> execution_role, working_directory;
    Tags tags;
    std::optional<std::string> next_calculation_id;  // as POST /_emulator/sessions/{id}/next-calculation-id
};

struct FixtureCalculation {
    std::string path;
    std::optional<std::string> account, region;
    CalculationRecord record;  // tenant filled on apply
};

struct FixtureToken {
    std::string path;
    std::optional<std::string> account, region;
    std::string operation, token, fingerprint, result;
};

// A notebook (issue 15): as the state export writes it; `sessions` are linked in that order.
struct FixtureNotebook {
    std::string path;  // e.g. "notebooks[0]"
    std::optional<std::string> account, region;
    std::string id;  // a lowercase UUID, as NotebookId
    std::string workgroup;
    std::string name;
    std::string type{"IPYNB"};
    std::optional<std::string> payload;        // a notebook document (checked by the parser); else the empty one
    std::optional<Instant> created, modified;  // default: the load time; modified: created
    std::vector<std::string> sessions;
};

struct FixtureSet {
    std::string source;  // the file name, or "request body"
    std::vector<ProfilePatch> profiles;
    std::vector<Scenario> scenarios;
    std::vector<FixtureWorkgroup> workgroups;
    std::vector<FixtureSession> sessions;
    std::vector<OutcomeRule> outcomes;
    std::vector<FixtureCalculation> calculations;
    std::vector<FixtureToken> tokens;
    std::vector<FixtureNotebook> notebooks;
    std::optional<Instant> clock;
};

// The startup fixtures (--fixtures), asked for by Service::initialize() on a new database and
// again by each reset that re-applies them. The server keeps the documents compactly (their
// text) and parses them on each call instead of holding them parsed for the process's life.
using FixtureSource = std::function<Result<std::vector<FixtureSet>>()>;

struct FixtureCounts {
    int profiles{0}, scenarios{0}, workgroups{0}, sessions{0}, outcomes{0}, calculations{0}, tokens{0};
    int notebooks{0};
};

}  // namespace athena
