#include "server/emulator.hpp"

#include <random>

#include "server/request_id.hpp"

namespace athena {
namespace {

std::uint64_t pick_seed(const std::optional<std::uint64_t>& seed) {
    if (seed) return *seed;
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

std::unique_ptr<Store> open_store(const std::string& db) {
    try {
        return std::make_unique<Store>(db);
    } catch (const SqliteError& e) {
        throw StartupError(std::string("--db: ") + e.what());
    }
}

// The startup fixtures as the Service asks for them: the documents main.cpp parsed, handed
// over once for initialize(), then only their text, parsed again by each reset. A parsed
// 1M-session document is ~550 MB of small strings; its text ~120 MB.
struct StartupFixtures {
    std::vector<std::pair<std::string, std::string>> texts;  // (text, source)
    std::vector<FixtureSet> parsed;                          // until initialize() is done
    bool handed_over{false};

    Result<std::vector<FixtureSet>> operator()() {
        if (!handed_over) {
            handed_over = true;
            return std::move(parsed);
        }
        std::vector<FixtureSet> sets;
        for (const auto& [text, source] : texts) {
            auto doc = parse_fixture_document(text, source);
            if (!doc) return doc.error();
            sets.push_back(std::move(doc->set));
        }
        return sets;
    }
};

}  // namespace

Emulator::Emulator(const Config& cfg, std::vector<FixtureDocument> fixtures, CredentialStore credentials, Clock* wall,
                   Stopwatch steady)
    : wall_(wall ? *wall : system_wall_),
      manual_(cfg.clock == ClockMode::Manual ? std::make_unique<ManualClock>(cfg.start_time.value_or(wall_.now()))
                                             : nullptr),
      store_(open_store(cfg.db)),
      seed_(pick_seed(cfg.seed)),
      new_database_(store_->is_new()),
      credentials_(std::move(credentials)),
      journal_(cfg.journal_size),
      log_(cfg.log_format, cfg.log_level, wall_) {
    seed_request_ids(seed_);
    ServiceOptions sopts;
    sopts.default_tenant = Tenant{cfg.account_id, cfg.region};
    sopts.start_time = cfg.start_time;
    sopts.seed = seed_;
    std::vector<FaultRule> startup_faults;
    auto startup = std::make_shared<StartupFixtures>();
    for (auto& doc : fixtures) {
        startup->texts.emplace_back(std::move(doc.text), doc.set.source);
        startup->parsed.push_back(std::move(doc.set));
        for (auto& rule : doc.faults) startup_faults.push_back(std::move(rule));
    }
    fixtures.clear();
    sopts.startup_fixtures = [startup] { return (*startup)(); };
    Clock& clock = manual_ ? static_cast<Clock&>(*manual_) : wall_;
    service_ = std::make_unique<Services>(*store_, clock, manual_.get(), wall_.now(), std::move(sopts));
    if (auto r = service_->control.initialize(); !r) throw StartupError("fixtures: " + r.error().message);
    // a saved database does not ask for them: drop the parsed documents either way
    startup->handed_over = true;
    startup->parsed = {};
    restore_or_add_faults(startup_faults);
    Observability obs{*faults_, journal_, metrics_, wall_};
    if (steady) obs.steady = steady;
    admin_ = std::make_unique<AdminApi>(*service_, AdminOptions{cfg.admin, cfg.admin_token}, obs, startup_faults);
    if (cfg.auth == AuthMode::Sigv4)
        sigv4_ =
            std::make_unique<Sigv4Verifier>(credentials_, Sigv4Options{"athena", std::chrono::seconds(cfg.max_skew_s)});
    if (sigv4_)
        sigv4_s3_ = std::make_unique<Sigv4Verifier>(credentials_,
                                                    Sigv4Options{"s3", std::chrono::seconds(cfg.max_skew_s), true});
    router_ =
        std::make_unique<Router>(*service_, *admin_, log_, obs,
                                 RouterAuth{sigv4_.get(), cfg.credentials ? &credentials_ : nullptr, sigv4_s3_.get()});
    router_->set_max_json_depth(cfg.max_json_depth);
}

// Fault rules live in the store too (ControlService), so a database file keeps them across restarts.
void Emulator::restore_or_add_faults(const std::vector<FaultRule>& startup_faults) {
    faults_ = std::make_unique<FaultInjector>(seed_, [this](const std::string& rules) {
        if (auto saved = service_->control.save_fault_rules(rules); !saved)
            throw std::runtime_error(saved.error().message);
    });
    if (new_database_) {
        for (auto rule : startup_faults)
            if (auto e = faults_->add(rule)) throw StartupError("fixtures: faults: " + *e);
    } else if (auto saved = service_->control.saved_fault_rules()) {
        faults_->load_json(*saved);
    }
}

}  // namespace athena
