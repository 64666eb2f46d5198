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

#include "earshot/fifo.hpp"
#include "earshot/profile.hpp"

namespace earshot::kvs {

enum class Role { Master, Viewer };

// The master's id in the events a viewer's channel reports (a viewer's messages come only from it).
inline constexpr std::string_view kMasterId = "master";
// The service refuses a message payload over 10 KB (vendors.md quotas); an SDP over that is not sent.
inline constexpr std::size_t kMaxPayloadBytes = 10 * 1024;

// One connection to a signaling channel: frames in, signal events out (Description, Candidate from
// the other side; GoAway; Lost when the socket closes; Warning for garbage or a STATUS_RESPONSE).
// KVS has no presence: a master learns of a viewer from its first message.
class SignalingChannel final : public earshot::SignalingChannel {
 public:
  SignalingChannel(Role role, std::string client_id) : role_(role), client_id_(std::move(client_id)) {}
  void handle_open(Instant now) override;
  void handle_frame(std::string_view text, Instant now) override;
  void handle_close(Instant now) override;
  void handle_timeout(Instant) override {}
  void enter_room() override {}  // the presigned URL is the entry: nothing to send
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

  Role role_;
  std::string client_id_;
  bool open_ = false;
  Fifo<std::string> out_;
  Fifo<signal::Event> events_;
};

}  // namespace earshot::kvs
