// Prints how fast whole simulated calls run: simulated seconds per wall-clock second, per scenario.
#include <chrono>
#include <cstdio>

#include "sim.hpp"

int main() {
  using clock = std::chrono::steady_clock;
  std::printf("%-46s %12s %10s %10s %14s\n", "scenario", "simulated", "events", "wall", "speed-up");
  double total_sim = 0, total_wall = 0;
  for (const auto& name : earshot::sim::scenario_names()) {
    const auto t0 = clock::now();
    auto r = earshot::sim::run_scenario(name);
    const double wall = std::chrono::duration<double>(clock::now() - t0).count();
    total_sim += r.simulated_ms / 1000.0;
    total_wall += wall;
    std::printf("%-46s %10.1f s %10zu %8.2f ms %13.0fx%s\n", name.c_str(), r.simulated_ms / 1000.0, r.events, wall * 1000,
                r.simulated_ms / 1000.0 / wall, r.ok() ? "" : "  (FAILED)");
  }
  std::printf("%-46s %10.1f s %10s %8.2f ms %13.0fx\n", "all", total_sim, "", total_wall * 1000, total_sim / total_wall);
}
