#pragma once
// Reading stored traces and spans for responders, with the content-access rules applied.
//
// Content stored under the `raw` policy (unredacted prompts, outputs, tool arguments, documents)
// is shown only to the roles in auth.raw_content_roles, only when asked for explicitly, and every
// such read appends an audit entry naming who read which trace. Everyone else sees the structure
// of the trace with that content withheld. Content stored redacted or as hashes is safe to show.

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "model/ai_span.h"
#include "model/role.h"
#include "store/store.h"

namespace aiir::investigate {

// What replaces raw content for a reader who may not see it.
inline constexpr const char* kWithheld = "[withheld: raw content; read it with ?raw=true and a role allowed by auth.raw_content_roles]";

struct Reader {
  std::string key_id;
  model::Role role = model::Role::kViewer;
  bool raw_requested = false;
};

struct TraceView {
  std::string trace_id;
  std::vector<model::AiSpan> spans;  // ordered by start time
  bool raw_content_shown = false;
  int withheld_spans = 0;  // spans whose content was withheld from this reader
};

class TraceReader {
 public:
  TraceReader(store::Store& store, const core::Clock& clock,
              std::vector<model::Role> raw_content_roles);

  // kNotFound when no span of the trace is stored; kInvalidArgument for a malformed id;
  // kPermissionDenied when raw content is requested by a role that may not read it.
  core::Result<TraceView> trace(const std::string& trace_id, const Reader& reader);
  core::Result<store::SpanPage> spans(const store::SpanQuery& query, const Reader& reader);

 private:
  core::Status check_raw_allowed(const Reader& reader) const;
  // Withholds raw content unless allowed and requested; returns spans withheld.
  int apply_content_rules(std::vector<model::AiSpan>& spans, const Reader& reader) const;
  core::Status audit_raw_read(const Reader& reader, const std::string& subject, int spans);

  store::Store& store_;
  const core::Clock& clock_;
  std::vector<model::Role> raw_content_roles_;
};


}  // namespace aiir::investigate
