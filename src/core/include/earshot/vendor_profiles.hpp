// Profiles whose media a vendor SDK owns: `chime` (seed 000: invite links -> Chime meeting + attendee)
// and `ivs` (seed 002: a name -> an IVS stage participant token). Admission only; the SDK adapters
// (web/vendor/*.js) do the rest. Exposed for tests; use make_profile() otherwise.
#pragma once
#include "earshot/groupchat.hpp"
#include "earshot/profile.hpp"

namespace earshot {

class ChimeProfile final : public Profile {
 public:
  explicit ChimeProfile(std::string api_base) : api_base_(std::move(api_base)) {}
  std::string_view name() const override { return "chime"; }
  MediaPlane media_plane() const override { return MediaPlane::Vendor; }
  Topology topology() const override { return Topology::None; }
  std::string_view vendor() const override { return "chime"; }
  bool admits_on_open() const override { return false; }  // joining creates the attendee
  std::unique_ptr<AdmissionFlow> admission(const Entry&) const override;
  Result<std::string> signaling_url(const Admission&) const override;
  std::unique_ptr<SignalingChannel> open_channel(const Admission&) const override { return nullptr; }
  // Takes both `{Meeting, Attendee}` and the AWS demo's `{JoinInfo:{Meeting:{Meeting}, Attendee:{Attendee}}}`.
  static Result<Admission> parse_join(const Entry&, int status, std::string_view body, Instant now);

 private:
  std::string api_base_;
};

class IvsProfile final : public Profile {
 public:
  explicit IvsProfile(std::string api_base) : api_base_(std::move(api_base)) {}
  std::string_view name() const override { return "ivs"; }
  MediaPlane media_plane() const override { return MediaPlane::Vendor; }
  Topology topology() const override { return Topology::None; }
  std::string_view vendor() const override { return "ivs"; }
  EntryKind page_entry() const override { return EntryKind::Name; }
  std::unique_ptr<AdmissionFlow> admission(const Entry&) const override;
  Result<std::string> signaling_url(const Admission&) const override;
  std::unique_ptr<SignalingChannel> open_channel(const Admission&) const override { return nullptr; }
  // `{roomId, stageArn, stageConfig:{token, participantId}}`; the token's exp (decoded, not verified) bounds the session.
  static Result<Admission> parse_join(const Entry&, int status, std::string_view body, Instant now);

 private:
  std::string api_base_;
};

#ifndef EARSHOT_SELFHOSTED_ONLY  // (the selfhosted room page's core has no page modules)
// `kvs` (seed 001 voice on seed 003 chat): the chat page module (web/vendor/kvs.js) gets voice
// credentials over the chat socket and starts the call with a token entry (entry_for); the call then
// connects to the Kinesis Video signaling channel with a URL presigned at every (re)connection, the
// master as the star's hub (it relays every viewer to the others), each viewer linked to it alone.
// The token is JSON: {"role":"MASTER"|"VIEWER","clientId","channelARN","region","accessKeyId",
// "secretAccessKey","sessionToken","master"} (master: the master's name, shown to viewers).
class KvsProfile final : public Profile {
 public:
  explicit KvsProfile(std::string api_base) : api_base_(std::move(api_base)) {}
  std::string_view name() const override { return "kvs"; }
  Topology topology() const override { return Topology::Star; }
  EntryKind page_entry() const override { return EntryKind::Token; }
  std::string_view page_module() const override { return "kvs"; }
  std::unique_ptr<AdmissionFlow> admission(const Entry&) const override { return nullptr; }  // the token is the admission
  Result<std::string> signaling_url(const Admission& a) const override { return signaling_url_at(a, 0); }
  Result<std::string> signaling_url_at(const Admission&, Instant now) const override;
  std::unique_ptr<SignalingChannel> open_channel(const Admission&) const override;
  // New credentials for the same channel and role; a viewer keeps the ClientId the master knows it by.
  std::optional<std::string> renewed_token(const Admission& in_use, const std::string& token) const override;
  // A viewer that never got in: the channel takes 10 viewers, so it may be full (the service refuses the
  // 11th at the WebSocket handshake, which a browser cannot tell from an unreachable server).
  std::optional<Failure> never_reached(const Admission&) const override;
  // The call's entry (the start options' `entry`: room, token, userId, userName, signalingUrl,
  // iceServers, ttl) for voice credentials from the chat; `username` is ours, `master` the master's.
  static nlohmann::json entry_for(const groupchat::ev::VoiceCredentials&, std::string_view username, std::string_view master, Instant now);

 private:
  std::string api_base_;
};
#endif

}  // namespace earshot
