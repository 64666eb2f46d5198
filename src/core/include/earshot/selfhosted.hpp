// The `selfhosted` profile: seed 004's REST API + Socket.IO signaling at /ws, with seed 000's
// invite links on top (POST /api/v1/invites/redeem). Exposed for tests; use make_profile() otherwise.
#pragma once
#include "earshot/profile.hpp"

namespace earshot {

class SelfhostedProfile final : public Profile {
 public:
  explicit SelfhostedProfile(std::string api_base) : api_base_(std::move(api_base)) {}
  std::string_view name() const override { return "selfhosted"; }
  MediaPlane media_plane() const override { return MediaPlane::PeerToPeer; }
  HttpRequestSpec admission_request(const Invite&) const override;
  Result<Admission> parse_admission(const Invite&, int status, std::string_view body, Instant now) const override;
  Result<std::string> signaling_url(const Admission&) const override;
  std::unique_ptr<SignalingChannel> open_channel(const Admission&) const override;

  // The sentence for a refusal code the server sent (HTTP error body or connect_error message).
  static Failure failure_for(std::string_view code, std::string_view server_message, const Invite* invite, Instant now);

 private:
  std::string api_base_;
};

}  // namespace earshot
