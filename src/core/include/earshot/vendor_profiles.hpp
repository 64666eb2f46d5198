// Profiles whose media a vendor SDK owns: `chime` (seed 000: invite links -> Chime meeting + attendee)
// and `ivs` (seed 002: a name -> an IVS stage participant token). Admission only; the SDK adapters
// (web/vendor/*.js) do the rest. Exposed for tests; use make_profile() otherwise.
#pragma once
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

}  // namespace earshot
