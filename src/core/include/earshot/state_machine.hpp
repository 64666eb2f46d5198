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
  Prejoin,         // invite accepted; mic, admission and signaling link are being readied
  Joining,         // user clicked Join; entering the room on the signaling server
  WaitingForPeer,  // in the room, alone
  Connecting,      // the peer is there; offer/answer/ICE under way
  Connected,       // media flows
  Reconnecting,    // media or signaling broke; repairing (ICE restart, signaling backoff)
  Ended,           // left by the user (terminal)
  Failed,          // a failure the user must act on (terminal unless the failure is retryable)
};

enum class Trigger {
  InviteAccepted,   // the invite link parsed and is not expired
  InviteRefused,    // the invite link is missing, malformed or expired
  JoinRequested,    // the user pressed Join and everything needed is ready
  RoomEntered,      // the signaling server admitted us and nobody else is there
  PeerPresent,      // the other participant is in the room
  MediaUp,          // the peer connection reached "connected"
  MediaDown,        // the peer connection went "disconnected" or "failed"
  SignalingLost,    // the signaling link died while we needed it
  PeerGone,         // the other participant left or vanished
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
