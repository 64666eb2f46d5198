// Prints docs/state-machine.md from the transition table (the table is the source of truth).
//   build/native/earshot_state_diagram > docs/state-machine.md
#include <cstdio>
#include <string>

#include "earshot/state_machine.hpp"

int main() {
  using namespace earshot;
  std::printf("# Call state machine\n\n");
  std::printf("Generated from `src/core/state_machine.cpp` by `tools/state_diagram.cpp`; a test fails when it is stale.\n\n");
  std::printf("```mermaid\nstateDiagram-v2\n    [*] --> idle\n");
  auto id = [](CallState s) {
    std::string n(to_string(s));
    for (auto& c : n)
      if (c == '-') c = '_';
    return n;
  };
  for (const auto& t : transitions())
    std::printf("    %s --> %s: %s\n", id(t.from).c_str(), id(t.to).c_str(), std::string(to_string(t.on)).c_str());
  std::printf("    ended --> [*]\n```\n\n| from | trigger | to |\n|---|---|---|\n");
  for (const auto& t : transitions())
    std::printf("| %s | %s | %s |\n", std::string(to_string(t.from)).c_str(), std::string(to_string(t.on)).c_str(),
                std::string(to_string(t.to)).c_str());
}
