#pragma once
// What a reviewer sees beside a held output: the evidence read from the trace that produced it —
// the documents it retrieved, the tools it called with their arguments, the prompt, model and
// index versions, the conversation the model was given — so that a reviewer judges the output
// against what the AI saw, not in a vacuum. A review screen that hides evidence is itself a
// failure, so an absent trace is said out loud ("trace": "not stored yet"), never an empty box.
//
// Pure: the caller reads the spans (store::Store::get_trace) and hands them in.

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "model/ai_span.h"

namespace aiir::contain {

// Bounds on what one evidence answer carries, so that a trace of thousands of spans does not
// make a review screen of megabytes. Whatever is cut is counted and flagged ("truncated").
struct EvidenceLimits {
  std::size_t max_documents = 50;
  std::size_t max_tool_calls = 50;
  std::size_t max_messages = 20;       // of the conversation given to the last model call
  std::size_t max_text_bytes = 8192;  // per document, message, argument or result text
};

// How the trace was found.
enum class TraceLookup { kStored, kNotStored, kUnreadable };

// The evidence object:
//   {"trace": "stored", "trace_id", "spans": 7,
//    "versions": {"prompt": ["refund-v12"], "model": [...], "index": [...]},
//    "models": ["gpt-4o"], "content_policy": ["redact"],
//    "retrieved_documents": [{"span_id", "id", "source", "score", "content"}],
//    "tool_calls": [{"span_id", "tool", "arguments", "result", "status"}],
//    "conversation": [{"role", "content"}],           // input of the last model call
//    "errors": [{"span_id", "name", "message"}],
//    "truncated": false}
// For kNotStored: {"trace": "not stored yet", "trace_id", "note": what that means and what to do};
// for kUnreadable: {"trace": "unreadable", "trace_id", "note": `error`}.
boost::json::object review_evidence(const std::string& trace_id, TraceLookup lookup,
                                    const std::vector<model::AiSpan>& spans,
                                    const std::string& error = "", EvidenceLimits limits = {});

// A few counts for lists: {"trace": ..., "retrieved_documents": n, "tool_calls": n,
// "prompt_versions": [...]} (only "trace" and "trace_id" when the trace is not stored).
boost::json::object evidence_summary(const boost::json::object& evidence);

}  // namespace aiir::contain
