#include <algorithm>
#include <map>

#include "model/ai_span_json.h"
#include "store/sqlite/filter.h"
#include "store/sqlite/stored_json.h"
#include "store/sqlite/tables.h"

namespace aiir::store::sqlite {
namespace {

namespace json = boost::json;

// Binds `value`, or NULL when empty, so that partial indexes skip spans without that key.
core::Result<std::vector<model::AiSpan>> read_spans(Stmt& s, std::vector<std::int64_t>* seqs) {
  std::vector<model::AiSpan> out;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    auto body = stored_object(s.text(1), "span " + std::to_string(s.integer(0)));
    if (!body.ok()) return body.error();
    out.push_back(model::ai_span_from_json(*body));
    if (seqs != nullptr) seqs->push_back(s.integer(0));
  }
  return out;
}

json::object content_json(const SpanContent& c) {
  json::object o;
  model::AiSpan carrier;  // reuse the span codec for messages
  carrier.input_messages = c.input_messages;
  carrier.output_messages = c.output_messages;
  json::object encoded = model::to_json(carrier);
  if (auto* in = encoded.if_contains("input_messages")) o["input_messages"] = *in;
  if (auto* out = encoded.if_contains("output_messages")) o["output_messages"] = *out;
  return o;
}

// Appends content that arrived as log records to the span it belongs to, in arrival order.
core::Status merge_content(Db& db, const std::string& trace_id,
                           std::vector<model::AiSpan>& spans) {
  Stmt s(db,
         "SELECT span_id, body FROM span_content WHERE trace_id = ? ORDER BY time, rowid");
  s.bind(1, trace_id);
  std::map<std::string, model::AiSpan*> by_id;
  for (auto& span : spans) by_id[span.span_id] = &span;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    auto it = by_id.find(s.text(0));
    if (it == by_id.end()) continue;
    boost::system::error_code ec;
    json::value body = json::parse(s.text(1), ec);
    if (ec || !body.is_object()) continue;
    model::AiSpan content = model::ai_span_from_json(body.as_object());
    auto& target = *it->second;
    target.input_messages.insert(target.input_messages.end(), content.input_messages.begin(),
                                 content.input_messages.end());
    target.output_messages.insert(target.output_messages.end(), content.output_messages.begin(),
                                  content.output_messages.end());
  }
  return {};
}

}  // namespace

core::Result<std::int64_t> insert_spans(Db& db, const std::vector<model::AiSpan>& spans,
                                        std::vector<std::int64_t>* seqs) {
  Stmt s(db,
         "INSERT OR IGNORE INTO spans (trace_id, span_id, workflow, start_time, kind, user_id, "
         "session_id, account_id, record_id, prompt_version, model_version, index_version, "
         "tool_name, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  std::int64_t inserted = 0;
  // The body is built and serialized per span; a monotonic buffer spares the allocator the
  // hundred small allocations of each span's JSON object.
  alignas(std::max_align_t) static thread_local unsigned char scratch[32 * 1024];
  for (const auto& span : spans) {
    s.bind(1, span.trace_id).bind(2, span.span_id).bind(3, span.workflow);
    s.bind(4, span.start_time).bind(5, model::to_string(span.kind));
    s.bind_or_null(6, span.user_id);
    s.bind_or_null(7, span.session_id);
    s.bind_or_null(8, span.account_id);
    s.bind_or_null(9, !span.record_id.empty() ? span.record_id : span.write_record_id);
    s.bind_or_null(10, span.prompt_version);
    s.bind_or_null(11, span.model_version);
    s.bind_or_null(12, span.index_version);
    s.bind_or_null(13, span.tool_name);
    {
      json::monotonic_resource arena(scratch, sizeof scratch);
      s.bind(14, json::serialize(model::to_json(span, &arena)));
    }
    AIIR_RETURN_IF_ERROR(s.run());
    const bool added = sqlite3_changes(db.get()) > 0;
    inserted += added ? 1 : 0;
    if (seqs != nullptr) seqs->push_back(added ? sqlite3_last_insert_rowid(db.get()) : 0);
  }
  return inserted;
}

core::Status insert_span_content(Db& db, const std::vector<SpanContent>& content) {
  Stmt s(db, "INSERT INTO span_content (trace_id, span_id, time, body) VALUES (?, ?, ?, ?)");
  for (const auto& c : content) {
    s.bind(1, c.trace_id).bind(2, c.span_id).bind(3, c.time);
    s.bind(4, json::serialize(content_json(c)));
    AIIR_RETURN_IF_ERROR(s.run());
  }
  return {};
}

core::Result<std::vector<model::AiSpan>> select_trace(Db& db, const std::string& trace_id) {
  Stmt s(db, "SELECT seq, body FROM spans WHERE trace_id = ? ORDER BY start_time, seq");
  s.bind(1, trace_id);
  auto spans = read_spans(s, nullptr);
  if (!spans.ok()) return spans;
  AIIR_RETURN_IF_ERROR(merge_content(db, trace_id, *spans));
  return spans;
}

core::Result<SpanPage> select_spans(Db& db, const SpanQuery& q) {
  Filter where;
  where.equals("workflow", q.workflow)
      .equals("trace_id", q.trace_id)
      .equals("user_id", q.user_id)
      .equals("session_id", q.session_id)
      .equals("account_id", q.account_id)
      .equals("record_id", q.record_id)
      .equals("prompt_version", q.prompt_version)
      .equals("model_version", q.model_version)
      .equals("index_version", q.index_version)
      .equals("tool_name", q.tool_name);
  if (q.kind) where.equals("kind", std::string(model::to_string(*q.kind)));
  for (const auto& [key, value] : q.attributes) {
    // json_extract yields an SQL value; json_quote turns it back into JSON text ("eu", 3, true)
    // so that it compares with the JSON text the caller gave.
    where.condition(
        "json_quote(json_extract(body, '$.attributes.\"' || replace(?, '\"', '') || '\"')) = ?",
        {key, value});
  }
  where.at_least("start_time", q.from).below("start_time", q.to).below("seq", q.before);
  const int limit = page_limit(q.limit);
  Stmt s(db, "SELECT seq, body FROM spans" + where.sql() + " ORDER BY seq DESC LIMIT ?");
  s.bind(where.bind(s), static_cast<std::int64_t>(limit) + 1);
  std::vector<std::int64_t> seqs;
  auto spans = read_spans(s, &seqs);
  if (!spans.ok()) return spans.error();
  SpanPage page;
  page.spans = std::move(*spans);
  if (static_cast<int>(page.spans.size()) > limit) {
    page.spans.pop_back();
    page.next_cursor = seqs[static_cast<std::size_t>(limit) - 1];
  }
  return page;
}

core::Result<std::int64_t> delete_expired_spans(Db& db, const std::string& workflow,
                                                core::UnixNanos older_than, int limit) {
  Stmt s(db,
         "DELETE FROM spans WHERE seq IN (SELECT seq FROM spans WHERE workflow = ? AND "
         "start_time < ? AND legal_hold = 0 LIMIT ?)");
  s.bind(1, workflow).bind(2, older_than).bind(3, static_cast<std::int64_t>(limit));
  AIIR_RETURN_IF_ERROR(s.run());
  std::int64_t deleted = sqlite3_changes(db.get());
  // Log-record content whose span is gone (or never arrived) and is as old goes too.
  Stmt orphans(db,
               "DELETE FROM span_content WHERE time < ? AND NOT EXISTS (SELECT 1 FROM spans "
               "WHERE spans.trace_id = span_content.trace_id AND spans.span_id = "
               "span_content.span_id)");
  orphans.bind(1, older_than);
  AIIR_RETURN_IF_ERROR(orphans.run());
  return deleted;
}

core::Result<std::int64_t> update_legal_hold(Db& db, const std::string& trace_id, bool hold) {
  Stmt s(db, "UPDATE spans SET legal_hold = ? WHERE trace_id = ?");
  s.bind(1, static_cast<std::int64_t>(hold ? 1 : 0)).bind(2, trace_id);
  AIIR_RETURN_IF_ERROR(s.run());
  return static_cast<std::int64_t>(sqlite3_changes(db.get()));
}

core::Result<std::vector<std::pair<std::string, std::int64_t>>> count_spans_by_workflow(Db& db) {
  Stmt s(db, "SELECT workflow, count(*) FROM spans GROUP BY workflow ORDER BY workflow");
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    out.emplace_back(s.text(0), s.integer(1));
  }
  return out;
}

}  // namespace aiir::store::sqlite

namespace aiir::store::sqlite {
namespace {

core::Result<std::vector<StoredSpan>> read_stored(Stmt& s) {
  std::vector<std::int64_t> seqs;
  auto spans = read_spans(s, &seqs);
  if (!spans.ok()) return spans.error();
  std::vector<StoredSpan> out;
  out.reserve(spans->size());
  for (std::size_t i = 0; i < spans->size(); ++i) {
    out.push_back(StoredSpan{seqs[i], std::move((*spans)[i])});
  }
  return out;
}

}  // namespace

core::Result<std::vector<StoredSpan>> select_spans_after(Db& db, std::int64_t after, int limit) {
  Stmt s(db, "SELECT seq, body FROM spans WHERE seq > ? ORDER BY seq LIMIT ?");
  s.bind(1, after).bind(2, static_cast<std::int64_t>(std::max(limit, 1)));
  return read_stored(s);
}

core::Result<std::vector<StoredContent>> select_content_after(Db& db, std::int64_t after,
                                                             int limit) {
  Stmt s(db,
         "SELECT rowid, trace_id, span_id, time, body FROM span_content WHERE rowid > ? ORDER BY "
         "rowid LIMIT ?");
  s.bind(1, after).bind(2, static_cast<std::int64_t>(std::max(limit, 1)));
  std::vector<StoredContent> out;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    StoredContent c;
    c.seq = s.integer(0);
    c.content.trace_id = s.text(1);
    c.content.span_id = s.text(2);
    c.content.time = s.integer(3);
    boost::system::error_code ec;
    json::value body = json::parse(s.text(4), ec);
    if (!ec && body.is_object()) {
      model::AiSpan messages = model::ai_span_from_json(body.as_object());
      c.content.input_messages = std::move(messages.input_messages);
      c.content.output_messages = std::move(messages.output_messages);
    }
    out.push_back(std::move(c));
  }
  return out;
}

core::Result<std::int64_t> select_last_content_seq(Db& db) {
  Stmt s(db, "SELECT coalesce(max(rowid), 0) FROM span_content");
  auto row = s.step();
  if (!row.ok()) return row.error();
  return s.integer(0);
}

core::Result<std::optional<StoredSpan>> select_span(Db& db, const std::string& trace_id,
                                                    const std::string& span_id) {
  Stmt s(db, "SELECT seq, body FROM spans WHERE trace_id = ? AND span_id = ?");
  s.bind(1, trace_id).bind(2, span_id);
  std::vector<std::int64_t> seqs;
  auto spans = read_spans(s, &seqs);
  if (!spans.ok()) return spans.error();
  if (spans->empty()) return std::optional<StoredSpan>();
  AIIR_RETURN_IF_ERROR(merge_content(db, trace_id, *spans));
  return std::optional<StoredSpan>(StoredSpan{seqs.front(), std::move(spans->front())});
}

core::Result<std::int64_t> select_last_span_seq(Db& db) {
  Stmt s(db, "SELECT coalesce(max(seq), 0) FROM spans");
  auto row = s.step();
  if (!row.ok()) return row.error();
  return s.integer(0);
}

core::Result<std::vector<StoredSpan>> select_span_scan(Db& db, const SpanScan& scan) {
  // The (workflow, start_time) index serves the range, or (workflow, tool_name, start_time) when
  // tools are named; kind is a column, so spans it excludes are skipped without their bodies
  // being parsed.
  Filter where;
  where.equals("workflow", scan.workflow)
      .at_least("start_time", scan.from)
      .below("start_time", scan.to);
  if (scan.after) {
    where.condition("(start_time > ? OR (start_time = ? AND seq > ?))",
                    {scan.after->first, scan.after->first, scan.after->second});
  }
  std::vector<std::string> kinds;
  for (auto kind : scan.kinds) kinds.emplace_back(model::to_string(kind));
  where.in("kind", kinds).in("tool_name", scan.tool_names);
  Stmt s(db, "SELECT seq, body FROM spans" + where.sql() + " ORDER BY start_time, seq LIMIT ?");
  s.bind(where.bind(s), static_cast<std::int64_t>(std::clamp(scan.limit, 1, 100000)));
  return read_stored(s);
}

core::Result<std::int64_t> count_spans_in(Db& db, const std::string& workflow,
                                          core::UnixNanos from, core::UnixNanos to) {
  Stmt s(db, "SELECT count(*) FROM spans WHERE workflow = ? AND start_time >= ? AND start_time < ?");
  s.bind(1, workflow).bind(2, from).bind(3, to);
  auto row = s.step();
  if (!row.ok()) return row.error();
  return s.integer(0);
}

}  // namespace aiir::store::sqlite
