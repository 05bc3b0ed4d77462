#pragma once
// The SQL behind each part of the Store interface, as free functions over one connection.
// The caller (SqliteStore) holds the connection's lock and picks read or write connection.

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "model/ai_span.h"
#include "model/audit.h"
#include "store/sqlite/db.h"
#include "store/store.h"

namespace aiir::store::sqlite {

// spans.cpp
core::Result<std::int64_t> insert_spans(Db& db, const std::vector<model::AiSpan>& spans,
                                        std::vector<std::int64_t>* seqs);
core::Status insert_span_content(Db& db, const std::vector<SpanContent>& content);
core::Result<std::vector<model::AiSpan>> select_trace(Db& db, const std::string& trace_id);
core::Result<SpanPage> select_spans(Db& db, const SpanQuery& query);
core::Result<std::int64_t> delete_expired_spans(Db& db, const std::string& workflow,
                                                core::UnixNanos older_than, int limit);
core::Result<std::int64_t> update_legal_hold(Db& db, const std::string& trace_id, bool hold);
core::Result<std::vector<std::pair<std::string, std::int64_t>>> count_spans_by_workflow(Db& db);

core::Result<std::vector<StoredSpan>> select_spans_after(Db& db, std::int64_t after, int limit);
core::Result<std::int64_t> select_last_span_seq(Db& db);
core::Result<std::vector<StoredContent>> select_content_after(Db& db, std::int64_t after,
                                                             int limit);
core::Result<std::int64_t> select_last_content_seq(Db& db);
core::Result<std::optional<StoredSpan>> select_span(Db& db, const std::string& trace_id,
                                                    const std::string& span_id);
core::Result<std::vector<StoredSpan>> select_span_scan(Db& db, const SpanScan& scan);
core::Result<std::int64_t> count_spans_in(Db& db, const std::string& workflow,
                                          core::UnixNanos from, core::UnixNanos to);

// signals.cpp
core::Result<std::vector<model::Signal>> insert_signals(Db& db,
                                                        const std::vector<model::Signal>& signals);
core::Status update_cursor(Db& db, const std::string& cursor, std::int64_t position);
core::Result<std::optional<std::int64_t>> select_cursor(Db& db, const std::string& cursor);
core::Result<SignalPage> select_signals(Db& db, const SignalQuery& query);
core::Result<std::optional<model::Signal>> select_signal(Db& db, std::int64_t seq);
core::Result<std::vector<model::Signal>> select_signals_after(Db& db, std::int64_t after,
                                                              int limit);
core::Result<std::int64_t> select_last_signal_seq(Db& db);

// incidents.cpp
// Appends `event` (its incident set) to the timeline with its audit entry; sets event.seq.
core::Status insert_timeline_event(Db& db, model::TimelineEvent& event);
core::Result<IncidentChange> upsert_incident(Db& db, const IncidentChange& change);
core::Result<std::optional<model::Incident>> select_incident(Db& db, std::int64_t number);
core::Result<IncidentPage> select_incidents(Db& db, const IncidentQuery& query);
core::Result<std::vector<IncidentCount>> count_incidents_by_kind(Db& db);
core::Result<std::vector<model::TimelineEvent>> select_timeline(Db& db, std::int64_t incident,
                                                                std::int64_t after_seq, int limit);
core::Result<std::int64_t> select_last_timeline_seq(Db& db);

// controls.cpp
core::Result<std::int64_t> upsert_control(Db& db, const ControlChange& change);
core::Result<std::vector<model::Control>> select_controls(Db& db, bool include_lifted);
core::Result<std::int64_t> select_controls_version(Db& db);

// records.cpp
core::Result<Record> upsert_record(Db& db, const RecordChange& change);
core::Result<std::optional<Record>> select_record(Db& db, const std::string& kind,
                                                  const std::string& id);
core::Result<RecordPage> select_records(Db& db, const RecordQuery& query);

// decisions.cpp
core::Status insert_decisions(Db& db, const std::vector<DecisionRecord>& decisions);
core::Result<DecisionPage> select_decisions(Db& db, const DecisionQuery& query);

// audit.cpp
core::Result<model::AuditEntry> insert_audit(Db& db, const model::AuditEntry& entry);
core::Result<std::vector<model::AuditEntry>> select_audit(Db& db, std::int64_t after_seq,
                                                          int limit);

}  // namespace aiir::store::sqlite
