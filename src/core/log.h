#pragma once
// Structured logging on spdlog. Text for people, JSON lines for log pipelines.
//
// Never log request bodies, AI content (prompts, outputs, tool arguments) or secrets: log ids,
// counts, sizes and codes. Callers pass only such values; nothing here inspects messages.

#include <spdlog/spdlog.h>

#include <string_view>

namespace aiir::core {

enum class LogFormat { kText, kJson };

// Configures the process-wide logger (stderr). Safe to call again on reload.
void init_logging(LogFormat format, spdlog::level::level_enum level);

// Parses "text" | "json"; false on anything else.
bool parse_log_format(std::string_view text, LogFormat& out);
// Parses "trace" | "debug" | "info" | "warn" | "error" | "off"; false on anything else.
bool parse_log_level(std::string_view text, spdlog::level::level_enum& out);

}  // namespace aiir::core
