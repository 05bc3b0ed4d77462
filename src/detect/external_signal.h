#pragma once
// Signals from outside aiir's own detectors: a person's report, a customer complaint relayed by a
// support tool, or a monitoring alert. Both readers only parse and validate; storing, deduplicating
// by Signal::dedup_key and deciding about incidents happen downstream as for any other signal.
// Neither throws; every error is kInvalidArgument with a message naming the member and the fix.
//
// POST /v1/signals body (one report):
//
//   {
//     "category": "misinformation",        // required; a model::Category name
//     "summary": "Customer says the bot promised a refund",  // required; 1..1000 characters
//     "workflow": "support-refunds",       // the workflow it is about, if known
//     "impact": "medium",                  // low | medium (default) | high | critical
//     "owasp": "LLM09:2025",               // LLM01..LLM10; default: the category's entry
//     "source_name": "zendesk",            // becomes Signal::detector; default: the key's name
//     "trace_id": "0af7651916cd43dd8448eb211c80319c",  // 32 hex; stored lower-case
//     "span_id": "b7ad6b7169203331",       // 16 hex; stored lower-case
//     "user_id": "...", "session_id": "...", "account_id": "...", "record_id": "...",
//     "labels": {"ticket": "Z-123"},       // string values; become the signal's group, in order
//     "observed": {...},                   // any object: the evidence as the reporter has it
//     "time": "2026-11-23T10:15:30Z",      // when it happened (RFC 3339); default: receive time
//     "idempotency_key": "Z-123"           // a retried report with the same key is stored once
//   }
//
// Unknown members are errors, so that a misspelt "sumary" is not silently dropped. A member set
// to null counts as absent.
//
// Alertmanager webhook (receiver `webhook_configs`, payload version "4"): each alert becomes one
// signal with source kAlertmanager. Its labels choose the fields:
//   detector  "alertmanager:<alertname>" ("alertmanager" without an alertname)
//   workflow  aiir_workflow, else workflow, else ""
//   category  aiir_category, else category, when it names a model::Category; else availability
//   impact    severity: critical → critical; error, high, page → high; warning, warn → medium;
//             info, none, low → low; anything else or absent → medium
//   summary   annotations summary, else description, else the alertname
//   group     every label but alertname, sorted by name (Alertmanager's labels are a set)
//   user_id, account_id  the labels of those names
// event_time is the alert's startsAt, resolved is status == "resolved", and dedup_key is
// "am:<alert fingerprint>:<startsAt>:<status>", so a notification Alertmanager repeats does not
// make a second signal while the resolution does.

#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "model/signal.h"

namespace aiir::detect {

// The longest summary a report may carry, in characters (UTF-8 code points).
inline constexpr std::size_t kMaxSummaryChars = 1000;
// The longest idempotency key a report may carry, in bytes; it becomes part of a stored key.
inline constexpr std::size_t kMaxIdempotencyKeyBytes = 256;

// Reads the body of POST /v1/signals. `reporter` is the API key's name (Signal::detector when the
// body has no "source_name"); `now` the receive time (detected_at, and event_time without "time").
// The signal has seq 0: the store assigns it.
core::Result<model::Signal> signal_from_report(std::string_view json_body,
                                               std::string_view reporter, core::UnixNanos now);

// Reads an Alertmanager webhook payload into one signal per alert, in payload order. An empty
// "alerts" array gives an empty vector. A malformed alert fails the whole payload, so that the
// sender's logs show the error instead of alerts going missing; the message names its index.
// Times may carry fractional seconds and offsets; Go's zero time (Alertmanager's endsAt of a
// firing alert) counts as absent.
core::Result<std::vector<model::Signal>> signals_from_alertmanager(std::string_view json_body,
                                                                   core::UnixNanos now);

}  // namespace aiir::detect
