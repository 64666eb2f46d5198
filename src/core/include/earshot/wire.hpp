// JSON forms of inputs, effects and snapshots: what crosses the embind boundary (plain strings, no
// class handles) and what tests and the diagnostics overlay print. Input parsing never throws.
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "earshot/call.hpp"

// Shapes: every input/effect is {"type":"<kebab-case name>", ...camelCase fields}. SDP types never use
// the "type" key: local-description-ready takes {generation, sdp, sdpType?} or {generation,
// description:{type,sdp}}; apply-remote-description carries {generation, sdpType, sdp,
// description:{type,sdp}} (hand `description` to setRemoteDescription as is).
namespace earshot::wire {

// {"type":"join-clicked"} ... Failure code: input.malformed with the offending field named.
Result<Input> input_from_json(std::string_view text);
// Only what a page or a vendor adapter may send (user actions, name/token entry, vendor-*): the
// browser driver's own results never cross as JSON, so its build carries just this parser.
Result<Input> page_input_from_json(std::string_view text);
nlohmann::json to_json(const Input&);
nlohmann::json to_json(const Effect&);   // {"type":"http-request","id":3,...}
nlohmann::json to_json(const Snapshot&);
nlohmann::json to_json(const Failure&);
std::string_view to_string(MicStatus);
std::string_view to_string(LinkStatus);
nlohmann::json to_json(const Member&);

// The page's runtime configuration (config.json merged with what the embedder passed), checked:
// {"profile","apiBase","iceTransportPolicy","roomSize","topology","embedOrigins"}. Unknown keys are
// ignored; a wrong type or value is config.malformed naming the key. embedOrigins must be an array
// of exact https:// origins (or http://127.0.0.1 / localhost for development): "*" and "null" are refused.
struct RuntimeConfig {
  CallConfig call;
  std::vector<std::string> embed_origins;
};
Result<RuntimeConfig> config_from_json(std::string_view text);

}  // namespace earshot::wire
