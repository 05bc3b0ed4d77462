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

// controls.cpp
// POST /v1/decide: the application asks before it acts; answered from the controls snapshot.
Handler decide(Services& s);
Handler list_controls(Services& s);
Handler get_control(Services& s);
Handler set_control(Services& s);
// Stages (percent < 100) or completes (100) the lift of a control; a reason is required.
Handler lift_control(Services& s);
Handler list_decisions(Services& s);

// controls_stream.cpp: the change stream (server-sent events), instances' acknowledgements and
// drills (docs/control-stream.md). controls_stream registers the one ControlService listener of
// its route table, which fans each new snapshot out to every open stream.
Handler controls_stream(Services& s);
Handler controls_applied(Services& s);
Handler controls_instances(Services& s);
// Answers when the drill finishes (up to its timeout); the wait is on the drill service's thread.
Handler start_drill(Services& s);
Handler list_drills(Services& s);
Handler get_drill(Services& s);

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

// ofrep.cpp: the OpenFeature Remote Evaluation Protocol over the controls (contain/flags.h).
Handler ofrep_evaluate_flag(Services& s);
// Bulk: every flag (or one workflow's: context.workflow), with an ETag; If-None-Match → 304.
Handler ofrep_evaluate_flags(Services& s);

// reviews.cpp: the human review queue (docs/reviews.md).
Handler submit_review(Services& s);
// Pending items by default (state=all for every state), overdue first.
Handler list_reviews(Services& s);
// One item; long-polls up to `wait` seconds for its decision.
Handler get_review(Services& s);
Handler decide_review(Services& s, contain::ReviewVerdict verdict);

// playbooks.cpp: playbooks, and per incident their approvals and checklists (docs/playbooks.md).
Handler list_playbooks(Services& s);
Handler list_approvals(Services& s);
// Authority: only someone the approval (or the authority rules) names; 403 says who may.
Handler approve_approval(Services& s);
Handler refuse_approval(Services& s);  // reason required
Handler incident_checklists(Services& s);

// workflows.cpp
Handler list_workflows(Services& s);
Handler get_workflow(Services& s);

}  // namespace aiir::http::handlers
