#pragma once
// Plain-text tables for terminal output: columns padded to their widest cell.

#include <string>
#include <vector>

namespace aiir::cli {

// `text` for one cell: on one line (newlines and tabs become spaces) and at most `max` bytes,
// cut at a character boundary and ended with "...", so that one long value does not stretch the
// table. `max` is at least 4.
std::string shorten(std::string text, std::size_t max);

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace aiir::cli
