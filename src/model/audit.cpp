#include "model/audit.h"

namespace aiir::model {
namespace {

void field(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += ';';
}

}  // namespace

std::string AuditEntry::canonical() const {
  std::string out;
  field(out, std::to_string(seq));
  field(out, std::to_string(time));
  field(out, actor);
  field(out, action);
  field(out, subject);
  field(out, detail);
  field(out, prev_hash);
  return out;
}

}  // namespace aiir::model
