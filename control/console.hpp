#pragma once
// The web console (README "Web console"): the page at GET /_emulator/ui with its embedded
// assets, and the compact admin calls it polls. AdminApi dispatches to it:
//
//   GET  /_emulator/ui, /_emulator/ui/<file>   the page, its CSS and JS. No token (they hold no
//        data: the page asks for the token and sends it with every call). ETag +
//        "Cache-Control: no-cache"; If-None-Match answers 304. Another file: 404.
//   GET  /_emulator/summary                     clock, every session's current state, fault
//        rules and the latest journal entries, in one small answer (ETag/304 as well).
//   GET  /_emulator/sessions/{id}/timeline      one session: transitions up to now, the steps
//        scheduled next, its calculations with their steps, its journal entries.
//   POST /_emulator/sessions/{id}/terminate     what TerminateSession does, for the admin.
//
// Session calls take ?account=&region= (default: --account-id / --region); an unknown
// session is 404, a malformed path or query 400 (the admin API's {"error": ...} bodies).
#include <optional>
#include <string_view>

#include <boost/json/object.hpp>

#include "control/journal.hpp"
#include "control/observability.hpp"
#include "server/http_types.hpp"
#include "state/services.hpp"

namespace athena {

class Console {
public:
    Console(Services& service, Observability obs) : service_(service), obs_(obs) {}

    // The page and its files: `path` is "ui" or "ui/<file>" (after /_emulator/). Nullopt for
    // any other path.
    std::optional<HttpResponse> asset(const HttpRequest& req, std::string_view path) const;

    // The console's data calls (the caller has checked the admin token). Nullopt for a path
    // that is not one of them.
    std::optional<HttpResponse> api(const HttpRequest& req, std::string_view path, std::string_view query);

private:
    HttpResponse summary(const HttpRequest& req);
    HttpResponse timeline(const Tenant& t, const std::string& id);
    HttpResponse terminate(const Tenant& t, const std::string& id);

    Services& service_;
    Observability obs_;
};

// One journal entry as GET /_emulator/requests writes it: "time"/"epoch_ms" are the wall-clock
// time of receipt, "clock_time"/"clock_epoch_ms" the emulator's clock then.
boost::json::object journal_entry_json(const JournalEntry& e);

}  // namespace athena
