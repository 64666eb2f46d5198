// The transition table itself: every row is reachable, nothing leaves a terminal state but Retry,
// and every (state, trigger) pair not in the table is refused.
#include <gtest/gtest.h>

#include <set>

#include "earshot/state_machine.hpp"

using namespace earshot;

namespace {
constexpr CallState kStates[] = {CallState::Idle, CallState::Prejoin, CallState::Joining, CallState::WaitingForPeer,
                                 CallState::Connecting, CallState::Connected, CallState::Reconnecting,
                                 CallState::Ended, CallState::Failed};
constexpr Trigger kTriggers[] = {Trigger::InviteAccepted, Trigger::InviteRefused, Trigger::JoinRequested,
                                 Trigger::RoomEntered, Trigger::OthersPresent, Trigger::MediaUp, Trigger::MediaDown,
                                 Trigger::SignalingLost, Trigger::AloneAgain, Trigger::RoomClosed, Trigger::LeaveRequested, Trigger::Fatal,
                                 Trigger::Retry, Trigger::Replaced, Trigger::SeatTaken, Trigger::Rejoin};
}  // namespace

TEST(CallMachine, EveryRowOfTheTableIsWhatNextReturns) {
  for (const auto& t : transitions()) {
    auto to = next(t.from, t.on);
    ASSERT_TRUE(to.has_value()) << to_string(t.from) << " " << to_string(t.on);
    EXPECT_EQ(*to, t.to);
  }
}

TEST(CallMachine, PairsNotInTheTableAreRefused) {
  std::set<std::pair<CallState, Trigger>> listed;
  for (const auto& t : transitions()) {
    EXPECT_TRUE(listed.insert({t.from, t.on}).second) << "duplicate row " << to_string(t.from) << " " << to_string(t.on);
  }
  int refused = 0;
  for (auto s : kStates)
    for (auto t : kTriggers)
      if (!listed.count({s, t})) {
        EXPECT_FALSE(next(s, t).has_value()) << to_string(s) << " " << to_string(t);
        ++refused;
      }
  EXPECT_EQ(refused + static_cast<int>(transitions().size()), 9 * 16);
}

TEST(CallMachine, EveryStateIsReachableFromIdle) {
  std::set<CallState> seen{CallState::Idle};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& t : transitions())
      if (seen.count(t.from) && seen.insert(t.to).second) grew = true;
  }
  for (auto s : kStates) EXPECT_TRUE(seen.count(s)) << to_string(s);
}

TEST(CallMachine, OnlyRetryAndRejoinLeaveATerminalState) {
  for (const auto& t : transitions())
    if (is_terminal(t.from)) {
      EXPECT_TRUE((t.from == CallState::Failed && t.on == Trigger::Retry) || (t.from == CallState::Ended && t.on == Trigger::Rejoin))
          << to_string(t.from) << " " << to_string(t.on);
      EXPECT_EQ(t.to, CallState::Prejoin) << "back through the pre-join";
    }
  EXPECT_TRUE(is_terminal(CallState::Ended));
  EXPECT_FALSE(is_terminal(CallState::Reconnecting));
}

TEST(CallMachine, EveryLiveStateCanLeaveAndFail) {
  for (auto s : kStates) {
    if (s == CallState::Idle || is_terminal(s)) continue;
    EXPECT_EQ(next(s, Trigger::LeaveRequested), CallState::Ended) << to_string(s);
    EXPECT_EQ(next(s, Trigger::Fatal), CallState::Failed) << to_string(s);
  }
}

TEST(CallMachine, NamesAreKebabCase) {
  EXPECT_EQ(to_string(CallState::WaitingForPeer), "waiting-for-peer");
  EXPECT_EQ(to_string(Trigger::SignalingLost), "signaling-lost");
  for (auto s : kStates) EXPECT_NE(to_string(s), "?");
  for (auto t : kTriggers) EXPECT_NE(to_string(t), "?");
}
