// The driver contract as runnable code (driver_loop.hpp): every effect is drained after each input,
// an input fed while draining waits for the drain to end, and the wake-up is re-armed once per feed.
#include <gtest/gtest.h>

#include "earshot/driver_loop.hpp"

namespace {
// A core that turns input n into effects n*10 and n*10+1, and wants waking at 100 + n.
struct Echo {
  std::vector<int> handled;
  std::vector<int> queue;
  int last = 0;
  void handle(int n, int) { handled.push_back(n); last = n; queue.push_back(n * 10); queue.push_back(n * 10 + 1); }
  void handle_timeout(int) { handled.push_back(-1); }
  std::optional<int> poll_effect() {
    if (queue.empty()) return std::nullopt;
    int e = queue.front();
    queue.erase(queue.begin());
    return e;
  }
  std::optional<long long> poll_timeout() const { return 100 + last; }
};
}  // namespace

TEST(DriverLoop, AResultLearntWhileDrainingIsHandledAfterTheDrain) {
  Echo core;
  earshot::DriverLoop<Echo, int> loop(core);
  std::vector<int> performed;
  std::vector<long long> armed;
  auto now = [] { return 0; };
  auto arm = [&](std::optional<long long> at) { armed.push_back(*at); };
  std::function<void(int)> perform = [&](int e) {
    performed.push_back(e);
    if (e == 10) loop.feed(2, now, perform, arm);  // a synchronous result of effect 10
  };
  loop.feed(1, now, perform, arm);
  // effect 11 is performed before input 2 is handled: no input is handled inside a drain
  EXPECT_EQ(performed, (std::vector<int>{10, 11, 20, 21}));
  EXPECT_EQ(core.handled, (std::vector<int>{1, 2}));
  EXPECT_EQ(armed, (std::vector<long long>{102})) << "armed once, after everything settled";
  loop.feed(std::nullopt, now, perform, arm);  // the timer fired
  EXPECT_EQ(core.handled.back(), -1);
  EXPECT_FALSE(loop.busy());
}
