#include "store/sqlite/migrations.h"

namespace aiir::store::sqlite {

const std::vector<std::string_view>& migrations() {
  static const std::vector<std::string_view> list{
      // 1: API keys. The secret is never stored, only its SHA-256.
      R"sql(
        CREATE TABLE api_keys (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          role TEXT NOT NULL,
          secret_hash TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          created_by TEXT NOT NULL,
          revoked_at INTEGER
        ) STRICT;
      )sql",
      // 2: spans, their log-record content, and the audit log.
      // Spans are stored in arrival order (rowid) with the whole normalized span as a JSON body;
      // only the columns responders filter on are broken out, and each secondary index is partial
      // so spans without that key cost nothing (random-key index inserts dominate ingest cost).
      R"sql(
        CREATE TABLE spans (
          seq INTEGER PRIMARY KEY,
          trace_id TEXT NOT NULL,
          span_id TEXT NOT NULL,
          workflow TEXT NOT NULL,
          start_time INTEGER NOT NULL,
          kind TEXT NOT NULL,
          user_id TEXT,
          session_id TEXT,
          account_id TEXT,
          record_id TEXT,
          prompt_version TEXT,
          model_version TEXT,
          index_version TEXT,
          tool_name TEXT,
          legal_hold INTEGER NOT NULL DEFAULT 0,
          body TEXT NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX spans_by_trace ON spans (trace_id, span_id);
        CREATE INDEX spans_by_workflow_time ON spans (workflow, start_time);
        CREATE INDEX spans_by_user ON spans (user_id) WHERE user_id IS NOT NULL;
        CREATE INDEX spans_by_account ON spans (account_id) WHERE account_id IS NOT NULL;
        CREATE INDEX spans_by_record ON spans (record_id) WHERE record_id IS NOT NULL;
        CREATE INDEX spans_by_prompt_version ON spans (workflow, prompt_version)
          WHERE prompt_version IS NOT NULL;

        CREATE TABLE span_content (
          trace_id TEXT NOT NULL,
          span_id TEXT NOT NULL,
          time INTEGER NOT NULL,
          body TEXT NOT NULL
        ) STRICT;
        CREATE INDEX span_content_by_span ON span_content (trace_id, span_id);

        CREATE TABLE audit_log (
          seq INTEGER PRIMARY KEY,
          time INTEGER NOT NULL,
          actor TEXT NOT NULL,
          action TEXT NOT NULL,
          subject TEXT NOT NULL,
          detail TEXT NOT NULL,
          prev_hash TEXT NOT NULL,
          hash TEXT NOT NULL
        ) STRICT;
      )sql",
      // 3: signals and the cursors of the streams that produce them. Each signal is kept whole as
      // a JSON body; the dedup key makes "judged exactly once" hold across restarts (a span judged
      // again after a crash yields the same key, and the second insert is ignored).
      R"sql(
        CREATE TABLE signals (
          seq INTEGER PRIMARY KEY,
          dedup_key TEXT,
          source TEXT NOT NULL,
          detector TEXT NOT NULL,
          workflow TEXT NOT NULL,
          category TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          trace_id TEXT,
          hunt_id TEXT,
          detected_at INTEGER NOT NULL,
          body TEXT NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX signals_by_dedup_key ON signals (dedup_key) WHERE dedup_key IS NOT NULL;
        CREATE INDEX signals_by_fingerprint ON signals (fingerprint);
        CREATE INDEX signals_by_detector ON signals (detector);
        CREATE INDEX signals_by_workflow ON signals (workflow);
        CREATE INDEX signals_by_trace ON signals (trace_id) WHERE trace_id IS NOT NULL;
        CREATE INDEX signals_by_hunt ON signals (hunt_id) WHERE hunt_id IS NOT NULL;

        CREATE TABLE cursors (
          name TEXT PRIMARY KEY,
          position INTEGER NOT NULL
        ) STRICT;
      )sql",
      // 4: retro-hunts of a tool's calls read only those calls. Start times within one tool of
      // one workflow mostly increase, so this index grows at its end and costs ingest little.
      R"sql(
        CREATE INDEX spans_by_workflow_tool_time ON spans (workflow, tool_name, start_time)
          WHERE tool_name IS NOT NULL;
      )sql",
      // 5: incidents and their timelines. The incident is kept whole as a JSON body, with the
      // columns lists filter on broken out; every timeline event has an audit entry written in
      // the same transaction.
      R"sql(
        CREATE TABLE incidents (
          number INTEGER PRIMARY KEY,
          fingerprint TEXT NOT NULL,
          workflow TEXT NOT NULL,
          state TEXT NOT NULL,
          severity TEXT NOT NULL,
          classification TEXT NOT NULL,
          opened_at INTEGER NOT NULL,
          body TEXT NOT NULL
        ) STRICT;
        CREATE INDEX incidents_by_fingerprint ON incidents (fingerprint);
        CREATE INDEX incidents_by_workflow ON incidents (workflow);
        CREATE INDEX incidents_by_state ON incidents (state);

        CREATE TABLE incident_timeline (
          seq INTEGER PRIMARY KEY,
          incident INTEGER NOT NULL,
          time INTEGER NOT NULL,
          kind TEXT NOT NULL,
          body TEXT NOT NULL
        ) STRICT;
        CREATE INDEX incident_timeline_by_incident ON incident_timeline (incident, seq);
      )sql",
      // 6: which incident each signal belongs to, kept beside the signal's body (which stays as
      // the detector wrote it) so that merge and split move signals without rewriting them.
      R"sql(
        ALTER TABLE signals ADD COLUMN incident INTEGER;
        CREATE INDEX signals_by_incident ON signals (incident) WHERE incident IS NOT NULL;
      )sql",
      // 7: containment controls, kept whole as a JSON body like incidents. lifted_at is broken
      // out (NULL while in force) so that loading the controls in force skips lifted ones
      // without reading their bodies. The controls version lives in cursors.
      R"sql(
        CREATE TABLE controls (
          id TEXT PRIMARY KEY,
          workflow TEXT NOT NULL,
          kind TEXT NOT NULL,
          lifted_at INTEGER,
          body TEXT NOT NULL
        ) STRICT;
      )sql",
      // 8: the documents of containment (review queue items, playbook approvals, drill results),
      // one table for every kind, and the decisions answered to the application, as evidence.
      // Decisions are many: one index, on (workflow, time), which grows at its end; a trace's
      // decisions are found through it with the trace id filtered on the row.
      R"sql(
        CREATE TABLE records (
          seq INTEGER PRIMARY KEY,
          kind TEXT NOT NULL,
          id TEXT NOT NULL,
          workflow TEXT NOT NULL,
          state TEXT NOT NULL,
          incident INTEGER NOT NULL,
          time INTEGER NOT NULL,
          body TEXT NOT NULL,
          UNIQUE (kind, id)
        ) STRICT;
        CREATE INDEX records_by_kind_state ON records (kind, state, seq);
        CREATE INDEX records_by_incident ON records (incident, kind) WHERE incident != 0;

        CREATE TABLE decisions (
          seq INTEGER PRIMARY KEY,
          time INTEGER NOT NULL,
          workflow TEXT NOT NULL,
          action TEXT NOT NULL,
          verdict TEXT NOT NULL,
          trace_id TEXT,
          instance TEXT,
          controls_version INTEGER NOT NULL,
          body TEXT NOT NULL
        ) STRICT;
        CREATE INDEX decisions_by_workflow_time ON decisions (workflow, time);
      )sql",
  };
  return list;
}

}  // namespace aiir::store::sqlite
