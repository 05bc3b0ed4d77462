#pragma once
// REST handlers, one factory per route. Each parses its request, calls a component and renders
// the result; none holds business logic.

#include "http/message.h"
#include "http/services.h"

namespace aiir::http::handlers {

// system.cpp
Handler healthz();
Handler readyz(Services& s);
Handler version();
Handler whoami();
Handler metrics(Services& s);

// ingest.cpp
Handler export_traces(Services& s);
Handler export_logs(Services& s);

// keys.cpp
Handler list_keys(Services& s);
Handler create_key(Services& s);
Handler revoke_key(Services& s);

// admin.cpp
Handler reload(Services& s);

// traces.cpp
Handler get_trace(Services& s);
Handler search_spans(Services& s);

// signals.cpp
Handler list_signals(Services& s);
Handler get_signal(Services& s);
Handler report_signal(Services& s);
Handler alertmanager_webhook(Services& s);

// detectors.cpp
Handler list_detectors(Services& s);
Handler get_detector(Services& s);
Handler start_hunt(Services& s);
Handler list_hunts(Services& s);
Handler get_hunt(Services& s);

// incidents.cpp
Handler list_incidents(Services& s);
Handler incident_metrics(Services& s);
Handler get_incident(Services& s);
Handler incident_timeline(Services& s);
Handler incident_signals(Services& s);
// Every incident's timeline events after `after` (a seq, or `latest`: the current end); long-polls
// up to `wait` seconds for the first.
Handler timeline_feed(Services& s);
// acknowledge, contain, resolve, close and reopen: moves the incident to `to`.
Handler transition_incident(Services& s, model::IncidentState to);
Handler set_incident_severity(Services& s);
Handler classify_incident(Services& s);
Handler assign_incident_role(Services& s);
Handler add_incident_note(Services& s);
Handler merge_incidents(Services& s);
Handler split_incident(Services& s);

// workflows.cpp
Handler list_workflows(Services& s);
Handler get_workflow(Services& s);

}  // namespace aiir::http::handlers
