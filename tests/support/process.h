#pragma once
// Runs the real aiir binary from tests: spawn, signal, wait with a deadline, read its output.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace aiir::testing {

class Process {
 public:
  // Starts `argv` (argv[0] is the executable path) with stdout and stderr sent to files in
  // `log_dir`. Aborts the test binary if the process cannot be started.
  Process(std::vector<std::string> argv, const std::string& log_dir);
  ~Process();  // kills the process if it is still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // The exit status (or 128 + signal) once it exits; nullopt if still running at the deadline.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();
  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string out_path_;
  std::string err_path_;
};

// Runs a command to completion (up to `timeout`) and returns exit status and output.
struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};
RunResult run_command(std::vector<std::string> argv, const std::string& log_dir,
                      std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A fresh, empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

// Polls `predicate` every 20 ms until it holds or `timeout` passes.
template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    struct timespec ts{0, 20'000'000};
    nanosleep(&ts, nullptr);
  }
  return predicate();
}

}  // namespace aiir::testing
