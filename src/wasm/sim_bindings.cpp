// earshot_sim.wasm: the lead's two-client simulation (tests/sim) compiled to wasm, so tests/wasm can
// prove the core's wasm build runs whole calls under node. runScenario(name) -> JSON string.
#include <string>

#include <emscripten/bind.h>

#include "earshot/state_machine.hpp"
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
std::string scenario_names() { return nlohmann::json(earshot::sim::scenario_names()).dump(); }
}  // namespace

EMSCRIPTEN_BINDINGS(earshot_sim) {
  emscripten::function("runScenario", &run_scenario);
  emscripten::function("scenarioNames", &scenario_names);
}
