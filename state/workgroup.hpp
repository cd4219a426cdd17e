#pragma once
// A workgroup: SQL (Athena engine) or Spark (PySpark engine), naming its profile and scenario.
#include <optional>
#include <string>

#include "state/calculation.hpp"
#include "state/session.hpp"

namespace athena {

inline constexpr std::string_view kSparkEngine = "PySpark engine version 3";
inline constexpr std::string_view kPrimaryWorkgroup = "primary";

struct WorkgroupRecord {
    Tenant tenant;
    std::string name;
    std::string engine_version;  // selected engine version, e.g. "PySpark engine version 3", "AUTO"
    bool enabled{true};
    std::string description;
    std::string profile{"default"};
    std::string scenario;         // empty = none
    std::string configuration;    // opaque document, kept verbatim for the wire layer
    std::string execution_role;   // from the configuration, for the sessions it starts
    std::string output_location;  // ResultConfiguration.OutputLocation, empty = none
    Tags tags;
    Instant created;

    bool is_spark() const { return engine_version == kSparkEngine; }
};

// Where a session of workgroup `w` works: under its result location, else the emulator's bucket.
std::string session_working_directory(const WorkgroupRecord& w, const std::string& session_id);

// The execution role a Spark workgroup from a fixture gets when it names none
// (arn:aws:iam::<account>:role/athena-emu-spark): a Spark workgroup always has one.
std::string default_spark_execution_role(const Tenant& t);

// The built-in SQL workgroup every account/region has.
WorkgroupRecord builtin_primary_workgroup(const Tenant& t);

}  // namespace athena
