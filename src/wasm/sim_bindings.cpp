// earshot_sim.wasm: the lead's two-client simulation (tests/sim) compiled to wasm, so tests/wasm can
// prove the core's wasm build runs whole calls under node. runScenario(name) -> JSON string.
#include <string>

#include <emscripten/bind.h>

#include "earshot/json.hpp"
#include "earshot/state_machine.hpp"
#include "json_browser.hpp"
#include "sim.hpp"

namespace {
std::string run_scenario(const std::string& name, double seed) {
  earshot::sim::ScenarioResult r = earshot::sim::run_scenario(name, static_cast<std::uint64_t>(seed));
  nlohmann::json transitions = nlohmann::json::array();
  for (auto& [from, to] : r.transitions)
    transitions.push_back({std::string(earshot::to_string(from)), std::string(earshot::to_string(to))});
  return nlohmann::json{{"name", r.name},
                        {"ok", r.ok()},
                        {"failures", r.failures},
                        {"transitions", transitions},
                        {"simulatedMs", r.simulated_ms},
                        {"events", r.events}}
      .dump();
}
// The two definitions of parse_json_text side by side: the value each reads, as nlohmann writes it, or
// "" when it refuses the text. `text` may be a JS string or bytes (a Uint8Array): invalid UTF-8 too.
std::string dumped(const nlohmann::json& j) { return j.is_discarded() ? std::string() : earshot::json_text(j); }
std::string parse_json_nlohmann(const std::string& text) { return dumped(earshot::parse_json_text(text)); }
std::string parse_json_browser(const std::string& text) { return dumped(earshot::web::parse_json_in_browser(text)); }
// And of json_text: the value nlohmann reads from `text`, written by the pages' writer ("" if refused).
std::string write_json_browser(const std::string& text) {
  const nlohmann::json j = earshot::parse_json_text(text);
  return j.is_discarded() ? std::string() : earshot::web::json_text_in_browser(j);
}
// One string value holding `bytes` (any bytes: invalid UTF-8 too), written by each writer.
std::string write_string_nlohmann(const std::string& bytes) { return earshot::json_text(nlohmann::json(bytes)); }
std::string write_string_browser(const std::string& bytes) { return earshot::web::json_text_in_browser(nlohmann::json(bytes)); }
std::string scenario_names() { return nlohmann::json(earshot::sim::scenario_names()).dump(); }
}  // namespace

EMSCRIPTEN_BINDINGS(earshot_sim) {
  emscripten::function("runScenario", &run_scenario);
  emscripten::function("scenarioNames", &scenario_names);
  emscripten::function("parseJsonNlohmann", &parse_json_nlohmann);
  emscripten::function("parseJsonBrowser", &parse_json_browser);
  emscripten::function("writeJsonBrowser", &write_json_browser);
  emscripten::function("writeStringNlohmann", &write_string_nlohmann);
  emscripten::function("writeStringBrowser", &write_string_browser);
}
