#include <algorithm>

#include "store/sqlite/filter.h"
#include "store/sqlite/stored_json.h"
#include "store/sqlite/tables.h"

namespace aiir::store::sqlite {
namespace {

namespace json = boost::json;

core::Result<model::Signal> read_signal(const Stmt& s) {
  auto body = stored_object(s.text(1), "signal " + std::to_string(s.integer(0)));
  if (!body.ok()) return body.error();
  model::Signal signal = model::signal_from_json(*body);
  signal.seq = s.integer(0);
  signal.incident = s.is_null(2) ? 0 : s.integer(2);
  return signal;
}

}  // namespace

core::Result<std::vector<model::Signal>> insert_signals(
    Db& db, const std::vector<model::Signal>& signals) {
  Stmt s(db,
         "INSERT OR IGNORE INTO signals (dedup_key, source, detector, workflow, category, "
         "fingerprint, trace_id, hunt_id, detected_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
         "?)");
  std::vector<model::Signal> stored;
  for (const auto& signal : signals) {
    s.bind_or_null(1, signal.dedup_key);
    s.bind(2, model::to_string(signal.source)).bind(3, signal.detector).bind(4, signal.workflow);
    s.bind(5, model::to_string(signal.category)).bind(6, signal.fingerprint);
    s.bind_or_null(7, signal.trace_id);
    s.bind_or_null(8, signal.hunt_id);
    s.bind(9, signal.detected_at);
    s.bind(10, json::serialize(model::to_json(signal)));
    AIIR_RETURN_IF_ERROR(s.run());
    if (sqlite3_changes(db.get()) == 0) continue;  // judged before: the dedup key is stored
    stored.push_back(signal);
    stored.back().seq = sqlite3_last_insert_rowid(db.get());
  }
  return stored;
}

core::Status update_cursor(Db& db, const std::string& cursor, std::int64_t position) {
  Stmt s(db,
         "INSERT INTO cursors (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET "
         "position = excluded.position");
  s.bind(1, cursor).bind(2, position);
  return s.run();
}

core::Result<std::optional<std::int64_t>> select_cursor(Db& db, const std::string& cursor) {
  Stmt s(db, "SELECT position FROM cursors WHERE name = ?");
  s.bind(1, cursor);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(s.integer(0));
}

core::Result<SignalPage> select_signals(Db& db, const SignalQuery& q) {
  Filter where;
  where.equals("detector", q.detector)
      .equals("workflow", q.workflow)
      .equals("fingerprint", q.fingerprint)
      .equals("trace_id", q.trace_id)
      .equals("hunt_id", q.hunt_id);
  if (q.category) where.equals("category", std::string(model::to_string(*q.category)));
  if (q.source) where.equals("source", std::string(model::to_string(*q.source)));
  // Hunt findings are about the past: listed only when asked for.
  if (q.hunt_id.empty() && !q.include_hunts) where.condition("hunt_id IS NULL");
  if (!q.incidents.empty()) {
    std::string placeholders;
    std::vector<Filter::Value> numbers;
    for (std::int64_t number : q.incidents) {
      placeholders += placeholders.empty() ? "?" : ", ?";
      numbers.emplace_back(number);
    }
    where.condition("incident IN (" + placeholders + ")", std::move(numbers));
  }
  where.at_least("detected_at", q.since).below("detected_at", q.until).below("seq", q.before);
  const int limit = page_limit(q.limit);
  Stmt s(db, "SELECT seq, body, incident FROM signals" + where.sql() + " ORDER BY seq DESC LIMIT ?");
  s.bind(where.bind(s), static_cast<std::int64_t>(limit) + 1);
  SignalPage page;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    auto signal = read_signal(s);
    if (!signal.ok()) return signal.error();
    page.signals.push_back(std::move(*signal));
  }
  page.next_cursor = end_page(page.signals, limit, [](const auto& s) { return s.seq; });
  return page;
}

core::Result<std::optional<model::Signal>> select_signal(Db& db, std::int64_t seq) {
  Stmt s(db, "SELECT seq, body, incident FROM signals WHERE seq = ?");
  s.bind(1, seq);
  auto row = s.step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<model::Signal>();
  auto signal = read_signal(s);
  if (!signal.ok()) return signal.error();
  return std::optional<model::Signal>(std::move(*signal));
}

core::Result<std::vector<model::Signal>> select_signals_after(Db& db, std::int64_t after,
                                                              int limit) {
  Stmt s(db, "SELECT seq, body, incident FROM signals WHERE seq > ? ORDER BY seq LIMIT ?");
  s.bind(1, after).bind(2, static_cast<std::int64_t>(std::max(limit, 1)));
  std::vector<model::Signal> out;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    auto signal = read_signal(s);
    if (!signal.ok()) return signal.error();
    out.push_back(std::move(*signal));
  }
  return out;
}

core::Result<std::int64_t> select_last_signal_seq(Db& db) {
  Stmt s(db, "SELECT coalesce(max(seq), 0) FROM signals");
  auto row = s.step();
  if (!row.ok()) return row.error();
  return s.integer(0);
}

}  // namespace aiir::store::sqlite
