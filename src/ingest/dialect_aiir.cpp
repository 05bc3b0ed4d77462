// aiir's own attributes: what only the application knows (workflow, business record, review and
// downstream write), and overrides for anything a generic instrumentation got wrong.
#include "ingest/dialects.h"
#include "ingest/genai_messages.h"

namespace aiir::ingest::dialect {

void map_aiir(AttributeView& a, model::AiSpan& out, KindHints& hints) {
  if (!a.has_prefix("aiir.")) return;
  a.ignore("aiir.workflow");  // read by attribution, before mapping
  if (auto kind = a.text("aiir.kind")) hints.aiir = model::parse_span_kind(*kind);
  fill(out.user_id, a.text("aiir.user.id"));
  fill(out.session_id, a.text("aiir.session.id"));
  fill(out.account_id, a.text("aiir.account.id"));
  fill(out.record_id, a.text("aiir.record.id"));
  fill(out.prompt_version, a.text("aiir.prompt.version"));
  fill(out.model_version, a.text("aiir.model.version"));
  fill(out.index_version, a.text("aiir.index.version"));
  fill(out.tool_name, a.text("aiir.tool.name"));
  fill(out.review_decision, a.text("aiir.review.decision"));
  fill(out.reviewer, a.text("aiir.review.reviewer"));
  fill(out.write_target, a.text("aiir.write.target"));
  fill(out.write_record_id, a.text("aiir.write.record_id"));
  fill(out.write_action, a.text("aiir.write.action"));
  if (const AnyValue* docs = a.find("aiir.retrieval.documents"); docs && out.documents.empty()) {
    boost::json::value value = json_of(*docs);
    if (value.is_array()) {
      for (const auto& item : value.as_array()) {
        if (!item.is_object()) continue;
        const auto& o = item.as_object();
        model::RetrievedDocument d;
        if (auto* v = o.if_contains("id")) d.id = json_text(*v);
        if (auto* v = o.if_contains("source")) d.source = json_text(*v);
        if (auto* v = o.if_contains("content")) d.content = json_text(*v);
        if (auto* v = o.if_contains("score"); v && v->is_number()) d.score = v->to_number<double>();
        out.documents.push_back(std::move(d));
      }
    }
  }
}

}  // namespace aiir::ingest::dialect
