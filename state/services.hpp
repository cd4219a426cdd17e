#pragma once
// The domain: every operation the wire layer can ask for, in domain terms, split by use case
// over one shared context (domain_context.hpp):
//   sessions      SessionService      StartSession ... TerminateSession
//   calculations  CalculationService  StartCalculationExecution ..., endpoints, executors, outputs
//   workgroups    WorkgroupService    workgroups and tags
//   control       ControlService      fixtures, clock, reset, admin transitions, export, metrics
// Each service's header states what each method returns on success and on each ErrorKind.
#include "state/calculation_service.hpp"
#include "state/control_service.hpp"
#include "state/domain_context.hpp"
#include "state/session_service.hpp"
#include "state/workgroup_service.hpp"

namespace athena {

class Services {
public:
    // `manual` is the same object as `clock` when --clock manual, else null. Call
    // control.initialize() before anything else.
    Services(Store& store, Clock& clock, ManualClock* manual, Instant real_now, ServiceOptions opts)
        : context(store, clock, manual, real_now, std::move(opts)),
          sessions(context),
          calculations(context),
          workgroups(context),
          control(context) {}
    Services(const Services&) = delete;
    Services& operator=(const Services&) = delete;

    Instant now() const { return context.now(); }
    ClockMode clock_mode() const { return context.clock.mode(); }
    const Tenant& default_tenant() const { return context.opts.default_tenant; }

    DomainContext context;
    SessionService sessions;
    CalculationService calculations;
    WorkgroupService workgroups;
    ControlService control;
};

}  // namespace athena
