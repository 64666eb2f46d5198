// Everything that affects the call's state lives in this table. Add a row here, nowhere else.
#include "earshot/state_machine.hpp"

#include <array>

namespace earshot {
namespace {
using S = CallState;
using T = Trigger;

constexpr std::array kTable = {
    // Opening the link
    Transition{S::Idle, T::InviteAccepted, S::Prejoin},
    Transition{S::Idle, T::InviteRefused, S::Failed},
    // Pre-join -> in the room
    Transition{S::Prejoin, T::JoinRequested, S::Joining},
    Transition{S::Joining, T::RoomEntered, S::WaitingForPeer},
    Transition{S::Joining, T::OthersPresent, S::Connecting},
    Transition{S::WaitingForPeer, T::OthersPresent, S::Connecting},
    // Media
    Transition{S::Connecting, T::MediaUp, S::Connected},
    Transition{S::Connected, T::MediaDown, S::Reconnecting},
    Transition{S::Reconnecting, T::MediaUp, S::Connected},
    // Signaling trouble before media flows: nothing works without the server, so repair first
    Transition{S::Joining, T::SignalingLost, S::Reconnecting},
    Transition{S::WaitingForPeer, T::SignalingLost, S::Reconnecting},
    Transition{S::Connecting, T::SignalingLost, S::Reconnecting},
    Transition{S::Reconnecting, T::RoomEntered, S::WaitingForPeer},
    Transition{S::Reconnecting, T::OthersPresent, S::Connecting},
    // The last other participant leaves (they may come back: the room stays open)
    Transition{S::Connecting, T::AloneAgain, S::WaitingForPeer},
    Transition{S::Connected, T::AloneAgain, S::WaitingForPeer},
    Transition{S::Reconnecting, T::AloneAgain, S::WaitingForPeer},
    // The room is closed under us (ended by the host, meeting ended)
    Transition{S::Joining, T::RoomClosed, S::Ended},
    Transition{S::WaitingForPeer, T::RoomClosed, S::Ended},
    Transition{S::Connecting, T::RoomClosed, S::Ended},
    Transition{S::Connected, T::RoomClosed, S::Ended},
    Transition{S::Reconnecting, T::RoomClosed, S::Ended},

    Transition{S::Joining, T::Replaced, S::Ended},
    Transition{S::WaitingForPeer, T::Replaced, S::Ended},
    Transition{S::Connecting, T::Replaced, S::Ended},
    Transition{S::Connected, T::Replaced, S::Ended},
    Transition{S::Reconnecting, T::Replaced, S::Ended},
    Transition{S::Joining, T::SeatTaken, S::Prejoin},
    Transition{S::Ended, T::Rejoin, S::Prejoin},
    // Leaving
    Transition{S::Prejoin, T::LeaveRequested, S::Ended},
    Transition{S::Joining, T::LeaveRequested, S::Ended},
    Transition{S::WaitingForPeer, T::LeaveRequested, S::Ended},
    Transition{S::Connecting, T::LeaveRequested, S::Ended},
    Transition{S::Connected, T::LeaveRequested, S::Ended},
    Transition{S::Reconnecting, T::LeaveRequested, S::Ended},
    // Failures
    Transition{S::Prejoin, T::Fatal, S::Failed},
    Transition{S::Joining, T::Fatal, S::Failed},
    Transition{S::WaitingForPeer, T::Fatal, S::Failed},
    Transition{S::Connecting, T::Fatal, S::Failed},
    Transition{S::Connected, T::Fatal, S::Failed},
    Transition{S::Reconnecting, T::Fatal, S::Failed},
    Transition{S::Failed, T::Retry, S::Prejoin},
};
}  // namespace

std::span<const Transition> transitions() { return kTable; }

std::optional<CallState> next(CallState from, Trigger on) {
  for (const auto& t : kTable)
    if (t.from == from && t.on == on) return t.to;
  return std::nullopt;
}

bool is_terminal(CallState s) { return s == S::Ended || s == S::Failed; }

std::string_view to_string(CallState s) {
  switch (s) {
    case S::Idle: return "idle";
    case S::Prejoin: return "prejoin";
    case S::Joining: return "joining";
    case S::WaitingForPeer: return "waiting-for-peer";
    case S::Connecting: return "connecting";
    case S::Connected: return "connected";
    case S::Reconnecting: return "reconnecting";
    case S::Ended: return "ended";
    case S::Failed: return "failed";
  }
  return "?";
}

std::string_view to_string(Trigger t) {
  switch (t) {
    case T::InviteAccepted: return "invite-accepted";
    case T::InviteRefused: return "invite-refused";
    case T::JoinRequested: return "join-requested";
    case T::RoomEntered: return "room-entered";
    case T::OthersPresent: return "others-present";
    case T::MediaUp: return "media-up";
    case T::MediaDown: return "media-down";
    case T::SignalingLost: return "signaling-lost";
    case T::AloneAgain: return "alone-again";
    case T::RoomClosed: return "room-closed";
    case T::Replaced: return "replaced";
    case T::SeatTaken: return "seat-taken";
    case T::Rejoin: return "rejoin";
    case T::LeaveRequested: return "leave-requested";
    case T::Fatal: return "fatal";
    case T::Retry: return "retry";
  }
  return "?";
}

}  // namespace earshot
