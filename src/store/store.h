#pragma once
// Store: the one interface to durable state. SQLite (store/sqlite/) is the embedded default.
//
// Contract for every implementation:
//  - Every method is thread-safe.
//  - A method that returns success has made its change durable (committed).
//  - Errors are values: kUnavailable when the store is busy or closing (retry), kNotFound for a
//    missing row, kInternal with the database's message for anything else.

#include <boost/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "model/ai_span.h"
#include "model/api_key.h"
#include "model/audit.h"
#include "model/control.h"
#include "model/incident.h"
#include "model/signal.h"

namespace aiir::store {

// Filters for reading spans; every set field must match. Results are newest first.
struct SpanQuery {
  std::string workflow;
  std::optional<core::UnixNanos> from;  // start_time >= from
  std::optional<core::UnixNanos> to;    // start_time < to
  std::optional<model::SpanKind> kind;
  std::string trace_id;
  std::string user_id;
  std::string session_id;
  std::string account_id;
  std::string record_id;  // matches the span's record id or its write record id
  std::string prompt_version;
  std::string model_version;
  std::string index_version;
  std::string tool_name;
  // Equality on attributes no mapping claimed: (key, value as JSON text, e.g. "\"eu\"" or "3").
  std::vector<std::pair<std::string, std::string>> attributes;
  int limit = 100;                      // 1..1000
  std::optional<std::int64_t> before;   // cursor: only spans stored before this sequence number
};

struct SpanPage {
  std::vector<model::AiSpan> spans;
  std::optional<std::int64_t> next_cursor;  // pass as `before` for the next page; none at the end
};

// GenAI content that arrived as log records (POST /v1/logs) for a span, possibly before or after
// the span itself. Merged into the span when it is read.
struct SpanContent {
  std::string trace_id;
  std::string span_id;
  core::UnixNanos time = 0;
  std::vector<model::Message> input_messages;
  std::vector<model::Message> output_messages;
};

// A span with its sequence number: the order spans were stored in, which detection follows.
struct StoredSpan {
  std::int64_t seq = 0;
  model::AiSpan span;
};

// Spans of one workflow in a time range, in (start_time, seq) order, for retro-hunts. Paging is
// by key: pass the last span's (start_time, seq) as `after_*` for the next page.
struct SpanScan {
  std::string workflow;
  core::UnixNanos from = 0;  // start_time >= from
  core::UnixNanos to = 0;    // start_time < to
  std::optional<std::pair<core::UnixNanos, std::int64_t>> after;
  // Pre-filters the store can apply without reading span bodies; empty = no filter.
  std::vector<model::SpanKind> kinds;
  std::vector<std::string> tool_names;
  int limit = 1000;
};

// Log-record content with its sequence number (the order it was stored in).
struct StoredContent {
  std::int64_t seq = 0;
  SpanContent content;
};

// Filters for signals; every set field must match. Newest first.
struct SignalQuery {
  std::string detector;
  std::string workflow;
  std::string fingerprint;
  std::string trace_id;
  std::string hunt_id;  // "" = live signals and external ones only, unless all_sources
  std::vector<std::int64_t> incidents;  // signals belonging to any of these incidents
  bool include_hunts = false;
  std::optional<model::Category> category;
  std::optional<model::SignalSource> source;
  std::optional<core::UnixNanos> since;  // detected_at >= since
  std::optional<core::UnixNanos> until;  // detected_at < until
  int limit = 100;                      // 1..1000
  std::optional<std::int64_t> before;   // cursor: signals with seq < before
};

struct SignalPage {
  std::vector<model::Signal> signals;
  std::optional<std::int64_t> next_cursor;
};

// An incident as it is after a change, and the timeline events the change made. Saved in one
// transaction with one audit entry per event.
struct IncidentChange {
  model::Incident incident;  // number 0: a new incident (the store gives it the next number)
  std::vector<model::TimelineEvent> events;
  // Signals (by sequence number) that belong to this incident from now on.
  std::vector<std::int64_t> signals;
};

// How many incidents there are of one workflow, state, severity and classification.
struct IncidentCount {
  std::string workflow;
  model::IncidentState state = model::IncidentState::kOpen;
  model::Severity severity = model::Severity::kLow;
  model::Classification classification = model::Classification::kAiIncident;
  std::int64_t count = 0;
};

// Filters for incidents; every set field must match. Newest first.
struct IncidentQuery {
  std::optional<model::IncidentState> state;
  std::optional<model::Severity> severity;
  std::optional<model::Classification> classification;
  std::string workflow;
  std::string fingerprint;
  std::optional<core::UnixNanos> since;  // opened_at >= since
  int limit = 100;                      // 1..1000
  std::optional<std::int64_t> before;   // cursor: incidents with number < before
};

struct IncidentPage {
  std::vector<model::Incident> incidents;
  std::optional<std::int64_t> next_cursor;
};

// A change to a control: saved with an audit entry ("control.<action>", subject the control id)
// and, for a control that belongs to an incident, a control_changed event on the incident's
// timeline (with its own audit entry, as every timeline event has), in one transaction.
struct ControlChange {
  model::Control control;  // as it is after the change
  std::string action;      // "set", "stage" (a staged lift's new share), "lift"
  std::string actor;       // who: "name (key id)"
  std::string reason;
  // When the change was made, for the audit entry and the timeline; 0 = control.set_at. (The
  // control itself records when it was set and fully lifted, not when a stage changed.)
  core::UnixNanos at = 0;
};

// A small document of a component that has a handful of them per incident or per hour (review
// queue items, playbook approvals, drill results), kept whole as a JSON body under (kind, id) with
// the columns lists filter on broken out. One table serves them all, so that each component owns
// its document's shape and the store owns only how it is kept.
struct Record {
  std::string kind;  // the owner's name for its documents: "review", "approval", "drill"
  std::string id;    // unique within kind
  std::string workflow;
  std::string state;          // the owner's state name ("pending", "approved", ...); filterable
  std::int64_t incident = 0;  // INC-<n> it belongs to; 0 = none
  core::UnixNanos time = 0;   // when it was created
  boost::json::object body;   // everything else, as the owner writes it
  std::int64_t seq = 0;       // set by the store at first save: creation order, for paging
};

// A change to a record (inserted, or replaced by (kind, id)), saved with its audit trail in one
// transaction.
struct RecordChange {
  Record record;
  // The audit entry "<kind>.<action>" (subject the record's id, detail `detail` plus the reason);
  // none when action is empty (use that when `event` below is the audit trail).
  std::string action;
  std::string actor;  // "name (key id)" or "system"
  std::string reason;
  core::UnixNanos at = 0;  // when; 0 = record.time
  boost::json::object detail;
  // Appended to event->incident's timeline, with its own audit entry as every event has.
  std::optional<model::TimelineEvent> event;
};

// Filters for records of one kind; every set field must match. Newest first (by seq).
struct RecordQuery {
  std::string kind;  // required
  std::string workflow;
  std::vector<std::string> states;  // any of these; empty = every state
  std::int64_t incident = 0;        // 0 = any
  int limit = 100;                  // 1..1000
  std::optional<std::int64_t> before;  // cursor: records with seq < before
};

struct RecordPage {
  std::vector<Record> records;
  std::optional<std::int64_t> next_cursor;
};

// One decision the application asked for (POST /v1/decide) and what aiir answered: evidence of
// what was allowed or stopped, and when. Written in batches off the decision's path.
struct DecisionRecord {
  std::int64_t seq = 0;  // set by the store
  core::UnixNanos time = 0;
  std::string workflow;
  std::string action;    // "tool:issue_refund"
  std::string verdict;   // "allow", "deny", ...
  std::string trace_id;
  std::string instance;  // the application instance that asked, when it said
  std::int64_t controls_version = 0;
  boost::json::object body;  // the request's attributes and the full answer
};

struct DecisionQuery {
  std::string workflow;
  std::string trace_id;
  std::string verdict;
  std::optional<core::UnixNanos> since;  // time >= since
  std::optional<core::UnixNanos> until;  // time < until
  int limit = 100;                       // 1..1000
  std::optional<std::int64_t> before;    // cursor: seq < before
};

struct DecisionPage {
  std::vector<DecisionRecord> decisions;
  std::optional<std::int64_t> next_cursor;
};

class Store {
 public:
  virtual ~Store() = default;

  // The schema version this store is at (after migrations).
  virtual int schema_version() const = 0;

  // --- API keys ---------------------------------------------------------------------------
  // kAlreadyExists when the id is taken.
  virtual core::Status insert_key(const model::ApiKey& key) = 0;
  // nullopt when no key has that id (revoked keys are returned, with revoked_at set).
  virtual core::Result<std::optional<model::ApiKey>> find_key(const std::string& id) = 0;
  // All keys, oldest first, revoked included.
  virtual core::Result<std::vector<model::ApiKey>> list_keys() = 0;
  // kNotFound when no key has that id; revoking a revoked key is a no-op success. Creating and
  // revoking each write an audit entry ("key.create", "key.revoke") in the same transaction.
  virtual core::Status revoke_key(const std::string& id, core::UnixNanos at,
                                  const std::string& actor) = 0;
  // Keys not revoked.
  virtual core::Result<std::int64_t> count_active_keys() = 0;

  // --- spans --------------------------------------------------------------------------------
  // Stores the spans in one transaction. A span whose (trace_id, span_id) is stored already
  // (an exporter's retry) is skipped. Returns how many were new. With `seqs`, also gives each
  // span's sequence number (0 for one skipped), in the order of `spans`.
  virtual core::Result<std::int64_t> append_spans(const std::vector<model::AiSpan>& spans,
                                                  std::vector<std::int64_t>* seqs = nullptr) = 0;
  virtual core::Status append_span_content(const std::vector<SpanContent>& content) = 0;
  // Every span of the trace, ordered by start time, with their log-record content merged.
  virtual core::Result<std::vector<model::AiSpan>> get_trace(const std::string& trace_id) = 0;
  virtual core::Result<SpanPage> query_spans(const SpanQuery& query) = 0;
  // Deletes up to `limit` spans of `workflow` that started before `older_than` and are not under
  // legal hold. Returns how many were deleted (0 when nothing is left to purge).
  virtual core::Result<std::int64_t> purge_spans(const std::string& workflow,
                                                 core::UnixNanos older_than, int limit) = 0;
  // Puts every span of the trace under legal hold (or lifts it). Returns spans affected.
  virtual core::Result<std::int64_t> set_legal_hold(const std::string& trace_id, bool hold) = 0;
  // Span counts by workflow (for the inventory's "unregistered" view and metrics).
  virtual core::Result<std::vector<std::pair<std::string, std::int64_t>>> span_counts_by_workflow() = 0;

  // --- detection ----------------------------------------------------------------------------
  // Spans stored after sequence number `after`, oldest first, at most `limit`.
  virtual core::Result<std::vector<StoredSpan>> read_spans_after(std::int64_t after,
                                                                 int limit) = 0;
  // The highest span sequence number stored (0 when none).
  virtual core::Result<std::int64_t> last_span_seq() = 0;
  // Log-record content stored after `after`, oldest first, and the highest content sequence
  // number (0 when none): detection follows content as it follows spans.
  virtual core::Result<std::vector<StoredContent>> read_content_after(std::int64_t after,
                                                                     int limit) = 0;
  virtual core::Result<std::int64_t> last_content_seq() = 0;
  // One span with all its log-record content merged in; nullopt when it is not stored (yet).
  virtual core::Result<std::optional<StoredSpan>> find_span(const std::string& trace_id,
                                                            const std::string& span_id) = 0;
  virtual core::Result<std::vector<StoredSpan>> scan_spans(const SpanScan& scan) = 0;
  // Spans of `workflow` with start_time in [from, to) (a retro-hunt's total, for progress).
  virtual core::Result<std::int64_t> count_spans(const std::string& workflow,
                                                 core::UnixNanos from, core::UnixNanos to) = 0;
  // Stores `signals` and, in the same transaction, moves the named cursor to `position` (no
  // cursor when `cursor` is empty). A signal whose dedup key is stored already is skipped.
  // Returns the signals stored, with their sequence numbers.
  virtual core::Result<std::vector<model::Signal>> commit_signals(
      const std::vector<model::Signal>& signals, const std::string& cursor,
      std::int64_t position) = 0;
  // A cursor's position; nullopt when it was never moved.
  virtual core::Result<std::optional<std::int64_t>> read_cursor(const std::string& cursor) = 0;
  virtual core::Result<SignalPage> query_signals(const SignalQuery& query) = 0;
  virtual core::Result<std::optional<model::Signal>> get_signal(std::int64_t seq) = 0;
  // Signals stored after sequence number `after`, oldest first (hunt findings included), and
  // the highest signal sequence number (0 when none): the incident component follows them.
  virtual core::Result<std::vector<model::Signal>> read_signals_after(std::int64_t after,
                                                                      int limit) = 0;
  virtual core::Result<std::int64_t> last_signal_seq() = 0;

  // --- incidents ----------------------------------------------------------------------------
  // Saves the incident and appends its events, each with an audit entry ("incident.<kind>",
  // subject INC-n), in one transaction: a change is recorded together with its audit trail or not
  // at all. Returns the change as stored (incident number and event sequence numbers set).
  virtual core::Result<IncidentChange> save_incident(const IncidentChange& change) = 0;
  // Several changes and, in the same transaction, the named cursor moved to `position` (no
  // cursor when `cursor` is empty). New incidents are numbered in the order given.
  virtual core::Result<std::vector<IncidentChange>> save_incidents(
      const std::vector<IncidentChange>& changes, const std::string& cursor,
      std::int64_t position) = 0;
  virtual core::Result<std::optional<model::Incident>> get_incident(std::int64_t number) = 0;
  virtual core::Result<IncidentPage> query_incidents(const IncidentQuery& query) = 0;
  virtual core::Result<std::vector<IncidentCount>> count_incidents() = 0;
  // An incident's timeline after event `after_seq`, oldest first; every incident's when
  // `incident` is 0 (a live feed of all events).
  virtual core::Result<std::vector<model::TimelineEvent>> incident_timeline(
      std::int64_t incident, std::int64_t after_seq, int limit) = 0;
  // The highest timeline event sequence number of all incidents (0 when none): where a live
  // feed that wants only what happens from now on starts.
  virtual core::Result<std::int64_t> last_timeline_seq() = 0;

  // --- controls -----------------------------------------------------------------------------
  // Saves the control (inserted or replaced by id) with its audit trail, and bumps the controls
  // version in the same transaction. Returns the controls version after the change (one more
  // than before; kept in the cursors table under "controls.version").
  virtual core::Result<std::int64_t> save_control(const ControlChange& change) = 0;
  // Controls, oldest first; lifted ones only when asked.
  virtual core::Result<std::vector<model::Control>> list_controls(bool include_lifted) = 0;
  // 0 before the first change.
  virtual core::Result<std::int64_t> controls_version() = 0;

  // --- records (reviews, approvals, drills) -------------------------------------------------
  // Saves the record and its audit trail in one transaction. Returns it as stored (seq set; a
  // replaced record keeps its seq).
  virtual core::Result<Record> save_record(const RecordChange& change) = 0;
  virtual core::Result<std::optional<Record>> get_record(const std::string& kind,
                                                         const std::string& id) = 0;
  virtual core::Result<RecordPage> query_records(const RecordQuery& query) = 0;

  // --- decision records -----------------------------------------------------------------------
  // Appends in one transaction; sets nothing in the caller's copies.
  virtual core::Status append_decisions(const std::vector<DecisionRecord>& decisions) = 0;
  virtual core::Result<DecisionPage> query_decisions(const DecisionQuery& query) = 0;

  // --- audit log ----------------------------------------------------------------------------
  // Appends an entry, chained to the previous one by hash, in its own transaction.
  virtual core::Result<model::AuditEntry> append_audit(const model::AuditEntry& entry) = 0;
  virtual core::Result<std::vector<model::AuditEntry>> list_audit(std::int64_t after_seq,
                                                                  int limit) = 0;

  // Makes everything written so far durable on disk (used at shutdown).
  virtual core::Status flush() = 0;
};

}  // namespace aiir::store
