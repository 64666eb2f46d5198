// Kinesis Video Streams WebRTC signaling (seed 001), sans-IO: the frames of a master's or a viewer's
// connection to a signaling channel, as the KVS service and its SDK speak them (vendors.md, and
// amazon-kinesis-video-streams-webrtc 2.9.0's SignalingClient). Groundwork for the `kvs` profile
// (issue 9): one channel is a star, the master its hub; viewers reach the master only.
//   viewer -> service: {"action":"SDP_OFFER"|"SDP_ANSWER"|"ICE_CANDIDATE","messagePayload":base64(JSON)}
//   master -> service: the same plus "recipientClientId" (the service requires it from a master)
//   service -> master: {"senderClientId","messageType","messagePayload"}; -> viewer: no senderClientId
//   service -> both:   GO_AWAY, RECONNECT_ICE_SERVER, STATUS_RESPONSE{statusResponse:{...}}
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "earshot/fifo.hpp"
#include "earshot/profile.hpp"

namespace earshot::kvs {

enum class Role { Master, Viewer };

// The master's id in the events a viewer's channel reports (a viewer's messages come only from it).
inline constexpr std::string_view kMasterId = "master";
// The service refuses a message payload over 10 KB (vendors.md quotas); an SDP over that is not sent.
inline constexpr std::size_t kMaxPayloadBytes = 10 * 1024;

// The name shown for a viewer the master hears from: its ClientId without the stand-in's random tail
// ("bob-1a2b3c" -> "bob"; see standins/kvs/README.md), or the ClientId as it is.
std::string viewer_name(std::string_view client_id);

// One connection to a signaling channel: frames in, signal events out (Description, Candidate from
// the other side; GoAway; Lost when the socket closes or never opens; Warning for garbage or a
// STATUS_RESPONSE). KVS has no presence, so the channel makes the room the call expects: entering it
// (once open) reports a Welcome naming `self` and, for a viewer, the master (`master_name`, id kMasterId,
// the star's hub); a master learns of a viewer from its first message (a PeerJoined before it) and
// holds what viewers send until the call has entered the room.
class SignalingChannel final : public earshot::SignalingChannel {
 public:
  SignalingChannel(Role role, std::string client_id, Participant self = {}, std::string master_name = {})
      : role_(role), client_id_(std::move(client_id)), self_(std::move(self)), master_name_(std::move(master_name)) {}
  void handle_open(Instant now) override;
  void handle_frame(std::string_view text, Instant now) override;
  void handle_close(Instant now) override;
  void handle_timeout(Instant) override {}
  void enter_room() override;  // the presigned URL is the entry: nothing is sent, the Welcome is made here
  // A master must name the viewer (`to`); a viewer's messages always go to the master (`to` ignored).
  void send_description(std::string_view to, std::string_view type, std::string_view sdp) override;
  void send_candidate(std::string_view to, const nlohmann::json& candidate) override;
  void leave() override {}
  std::optional<std::string> poll_transmit() override { return out_.take(); }
  std::optional<signal::Event> poll_event() override { return events_.take(); }
  std::optional<Instant> poll_timeout() const override { return std::nullopt; }

  Role role() const { return role_; }
  bool open() const { return open_; }

 private:
  void send(std::string_view action, std::string_view to, const nlohmann::json& payload);
  void warn(std::string what);
  void welcome();

  Role role_;
  std::string client_id_;
  Participant self_;
  std::string master_name_;  // how a viewer names the master (the star's hub, id kMasterId, a host)
  bool open_ = false;
  bool entered_ = false;              // the call entered the room (Welcome reported)
  bool lost_ = false;                 // Lost reported (the socket closed, or never opened)
  bool want_ = false;                 // the call wants to be in the room
  std::vector<std::string> viewers_;  // master: the viewers heard from, oldest first
  std::vector<std::string> held_;     // master: viewers' frames before the call entered (at most 64)
  Fifo<std::string> out_;
  Fifo<signal::Event> events_;
};

}  // namespace earshot::kvs
