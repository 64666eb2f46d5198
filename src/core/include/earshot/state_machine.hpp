// The call state machine as data: every state, every trigger, and the one table of allowed
// transitions. Everything that changes the call's state goes through `next()`; the docs diagram
// (`tools/state_diagram`) and the exhaustive tests are generated from `kTransitions`.
#pragma once
#include <optional>
#include <span>
#include <string_view>

namespace earshot {

enum class CallState {
  Idle,            // nothing parsed yet
  Prejoin,         // entry accepted; mic, admission and signaling link are being readied
  Joining,         // user clicked Join; entering the room (signaling server or vendor session)
  WaitingForPeer,  // in the room, alone
  Connecting,      // others are there; no audio connection to any of them yet
  Connected,       // audio flows with at least one other participant
  Reconnecting,    // media or signaling broke; repairing (ICE restart, signaling backoff)
  Ended,           // left by the user, or the room was closed (terminal)
  Failed,          // a failure the user must act on (terminal unless the failure is retryable)
};

enum class Trigger {
  InviteAccepted,   // the entry (invite link, name form, app token) is usable
  InviteRefused,    // the invite link is missing, malformed or expired
  JoinRequested,    // the user pressed Join and everything needed is ready
  RoomEntered,      // we are in the room and nobody else is there
  OthersPresent,    // someone else is in the room
  MediaUp,          // audio flows with someone (a peer link "connected", or the vendor session live)
  MediaDown,        // no audio connection is left ("disconnected"/"failed" links, or one was replaced)
  SignalingLost,    // the signaling link died while we needed it
  AloneAgain,       // the last other participant left or vanished
  RoomClosed,       // the host closed the room / the meeting ended
  Replaced,         // our seat went to another device or a new link: this page's call is over
  SeatTaken,        // Join found our seat in use on another device: ask before taking it over
  Rejoin,           // the person pressed Rejoin after leaving
  LeaveRequested,   // the user pressed Leave
  Fatal,            // an unrecoverable failure (carries a Failure)
  Retry,            // the user retried after a retryable failure
};

struct Transition {
  CallState from;
  Trigger on;
  CallState to;
};

// The whole table. Anything not listed is not a legal transition.
std::span<const Transition> transitions();
// The state after `on` in `from`, or nullopt when the table has no such row.
std::optional<CallState> next(CallState from, Trigger on);
bool is_terminal(CallState);

std::string_view to_string(CallState);   // "waiting-for-peer"
std::string_view to_string(Trigger);     // "peer-present"

}  // namespace earshot
