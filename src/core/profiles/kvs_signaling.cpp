// See kvs.hpp.
#include <algorithm>

#include "earshot/crypto.hpp"
#include "earshot/json.hpp"
#include "earshot/kvs.hpp"

namespace earshot::kvs {
using nlohmann::json;

std::string viewer_name(std::string_view client_id) {
  const std::size_t dash = client_id.rfind('-');
  const auto tail = client_id.substr(dash == std::string_view::npos ? client_id.size() : dash + 1);
  const bool hex6 = tail.size() == 6 && std::all_of(tail.begin(), tail.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  return std::string(hex6 && dash > 0 ? client_id.substr(0, dash) : client_id);
}

void SignalingChannel::handle_open(Instant now) {
  open_ = true;
  if (want_) welcome();
  // What viewers said before the call entered the room, now that it has.
  std::vector<std::string> held;
  held.swap(held_);
  for (const auto& f : held) handle_frame(f, now);
}

void SignalingChannel::enter_room() {
  want_ = true;
  if (open_) handle_open(0);
}

// The room as the call expects it: we are in; a viewer sees the master, a master the viewers so far.
void SignalingChannel::welcome() {
  if (entered_) return;
  entered_ = true;
  signal::Welcome w{self_, {}, 0};
  if (role_ == Role::Viewer) {
    w.others.push_back(Participant{std::string(kMasterId), master_name_.empty() ? "Master" : master_name_, earshot::Role::Host});
  } else {
    for (const auto& v : viewers_) w.others.push_back(Participant{v, viewer_name(v), earshot::Role::Guest});
  }
  w.capacity = 11;  // a master and up to 10 viewers
  events_.push_back(std::move(w));
}

void SignalingChannel::handle_close(Instant) {
  if (lost_) return;  // one Lost per connection
  lost_ = true;
  const bool was_open = open_;
  open_ = false;
  entered_ = false;
  events_.push_back(signal::Lost{was_open ? "the signaling channel closed" : "the signaling channel refused the connection"});
}

void SignalingChannel::warn(std::string what) { events_.push_back(signal::Warning{std::move(what)}); }

void SignalingChannel::send(std::string_view action, std::string_view to, const json& payload) {
  const std::string body = json_text(payload);  // never refuses bad UTF-8
  if (body.size() > kMaxPayloadBytes * 3 / 4) return warn("kvs: a " + std::string(action) + " over 10 KB was not sent");
  json frame = json::object();
  frame["action"] = action;
  frame["messagePayload"] = crypto::base64_encode(body);
  if (role_ == Role::Master) {
    if (to.empty()) return warn("kvs: a master's " + std::string(action) + " names no viewer; not sent");
    frame["recipientClientId"] = to;
  }
  out_.push_back(json_text(frame));
}

void SignalingChannel::send_description(std::string_view to, std::string_view type, std::string_view sdp) {
  json payload = json::object();
  payload["type"] = type;
  payload["sdp"] = sdp;
  send(type == "offer" ? "SDP_OFFER" : "SDP_ANSWER", to, payload);
}

void SignalingChannel::send_candidate(std::string_view to, const json& candidate) {
  if (candidate.is_null()) return;  // KVS has no end-of-candidates message
  send("ICE_CANDIDATE", to, candidate);
}

void SignalingChannel::handle_frame(std::string_view text, Instant) {
  if (text.empty()) return;  // the service sends empty keep-alive-like frames now and then
  json frame = parse_json_text(text);
  if (!frame.is_object()) return warn("kvs: a frame that is not a JSON object");
  const auto str = [&](const char* k) {
    auto it = frame.find(k);
    return it != frame.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const std::string type = str("messageType");
  if (type == "GO_AWAY") return events_.push_back(signal::GoAway{});
  if (type == "RECONNECT_ICE_SERVER") return;  // TURN servers will change; the next connection fetches them
  if (type == "STATUS_RESPONSE") {
    const json& st = frame.contains("statusResponse") && frame["statusResponse"].is_object() ? frame["statusResponse"] : json::object();
    const auto s = [&](const char* k) { return st.contains(k) && st[k].is_string() ? st[k].get<std::string>() : std::string(); };
    return warn(utf8_prefix("kvs: the service refused a message (" + s("statusCode") + " " + s("errorType") + "): " + s("description"), 200));
  }
  if (type != "SDP_OFFER" && type != "SDP_ANSWER" && type != "ICE_CANDIDATE") return warn("kvs: unknown messageType '" + utf8_prefix(type, 40) + "'");
  std::string from = str("senderClientId");
  if (role_ == Role::Master && from.empty()) return warn("kvs: a viewer's message without senderClientId");
  if (role_ == Role::Viewer) from = std::string(kMasterId);
  if (role_ == Role::Master && !entered_) {  // held until the call is in the room (it answers then)
    if (held_.size() < 64) held_.emplace_back(text);
    return;
  }
  const auto decoded = crypto::base64_decode(str("messagePayload"));
  if (!decoded) return warn("kvs: a messagePayload that is not base64");
  json payload = parse_json_text(*decoded);
  if (!payload.is_object()) return warn("kvs: a messagePayload that is not a JSON object");
  if (role_ == Role::Master && std::find(viewers_.begin(), viewers_.end(), from) == viewers_.end()) {
    if (viewers_.size() >= 10) return warn("kvs: an 11th viewer '" + utf8_prefix(from, 64) + "' ignored");
    viewers_.push_back(from);
    events_.push_back(signal::PeerJoined{Participant{from, viewer_name(from), earshot::Role::Guest}});
  }
  if (type == "ICE_CANDIDATE") {
    if (!payload.contains("candidate") || !payload["candidate"].is_string()) return warn("kvs: an ICE_CANDIDATE without a candidate");
    return events_.push_back(signal::Candidate{from, client_id_, std::move(payload)});
  }
  const std::string want = type == "SDP_OFFER" ? "offer" : "answer";
  if (!payload.contains("sdp") || !payload["sdp"].is_string()) return warn("kvs: an " + type + " without an sdp");
  if (payload.contains("type") && payload["type"] != want) return warn("kvs: an " + type + " whose type is not " + want);
  events_.push_back(signal::Description{from, client_id_, want, payload["sdp"].get<std::string>()});
}

}  // namespace earshot::kvs
