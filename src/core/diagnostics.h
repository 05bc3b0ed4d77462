#pragma once
// Located errors for configuration files. Loaders collect every error and keep going, so that
// `aiir validate` lists them all at once as `file:line:column: message`.

#include <string>
#include <vector>

namespace aiir::core {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when the error concerns the whole file
  int column = 0;  // 1-based; 0 when unknown
  std::string message;

  std::string to_string() const;  // "file:line:column: message"
};

class Diagnostics {
 public:
  void add(std::string file, int line, int column, std::string message) {
    items_.push_back({std::move(file), line, column, std::move(message)});
  }
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  // All diagnostics, one per line.
  std::string to_string() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace aiir::core
