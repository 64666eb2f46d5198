// Whole calls, natively: every scenario of the simulation harness, plus proof that together they
// take every transition in the state table.
#include <gtest/gtest.h>

#include <set>

#include "../sim/sim.hpp"
#include "earshot/state_machine.hpp"

using namespace earshot;

class Scenario : public ::testing::TestWithParam<std::string> {};

TEST_P(Scenario, Passes) {
  auto r = sim::run_scenario(GetParam());
  for (auto& f : r.failures) ADD_FAILURE() << f;
  EXPECT_GT(r.simulated_ms, 0);
}

INSTANTIATE_TEST_SUITE_P(Sim, Scenario, ::testing::ValuesIn(sim::scenario_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

TEST(SimCoverage, TheScenariosTogetherTakeEveryTransitionInTheTable) {
  std::set<std::pair<CallState, CallState>> seen;
  for (auto& name : sim::scenario_names())
    for (auto& t : sim::run_scenario(name).transitions) seen.insert(t);
  for (const auto& row : transitions())
    EXPECT_TRUE(seen.count({row.from, row.to}))
        << to_string(row.from) << " --" << to_string(row.on) << "--> " << to_string(row.to) << " is never exercised";
}

TEST(SimDeterminism, SameSeedSameTranscript) {
  auto a = sim::run_scenario("signaling-drops-and-reconnects", 42);
  auto b = sim::run_scenario("signaling-drops-and-reconnects", 42);
  EXPECT_EQ(a.transitions, b.transitions);
  EXPECT_EQ(a.simulated_ms, b.simulated_ms);
  EXPECT_EQ(a.events, b.events);
}

TEST(SimSeeds, EveryScenarioPassesUnderFiftySeedsOverALossyReorderingNetwork) {
  // The seed drives backoff jitter and the network: 20 ms + 0-30 ms jitter one way, 5% of frames
  // retransmitted after 200 ms, so frames of different links and the media path reorder.
  for (std::uint64_t seed = 100; seed < 150; ++seed)
    for (auto& name : sim::scenario_names()) {
      auto r = sim::run_scenario(name, seed, /*lossy=*/true);
      for (auto& f : r.failures) ADD_FAILURE() << "seed " << seed << " " << name << ": " << f;
      if (!r.ok()) return;  // one transcript is enough to read
    }
}
