// The one failure catalog: every code the core can show, who is at fault, whether trying again can
// help, the sentence a person reads and what to do next. The room page's help text and the d.ts union
// of codes are generated from this table (tools/catalog), and a test fails when they are stale.
#pragma once
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "earshot/base.hpp"

namespace earshot {

enum class Fault { You, YourDevice, YourNetwork, Server, OtherSide, Page };
std::string_view to_string(Fault);  // "you", "your-device", "your-network", "server", "other-side", "page"

struct FailureInfo {
  std::string_view code;      // stable: tests, postMessage API, analytics
  Fault fault;
  bool retryable;             // Try again can help (the page shows the button)
  std::string_view sentence;  // what the person reads; {placeholders} are filled by make_failure
  std::string_view title;     // the heading above it
  std::string_view next;      // what to do next
};

std::span<const FailureInfo> failure_catalog();
const FailureInfo* failure_info(std::string_view code);  // nullptr: not in the catalog
bool is_retryable(std::string_view code);
// A catalogued code a server may send as it is: its sentence needs no value but the code itself
// (room.full, invite.expired, media.timeout... need values the server did not give).
bool failure_needs_no_values(std::string_view code);

// The catalog's sentence for `code` with each {key} replaced ("{time}" -> "07:59 (UTC)").
Failure make_failure(std::string_view code, std::initializer_list<std::pair<std::string_view, std::string>> vars = {});

}  // namespace earshot
