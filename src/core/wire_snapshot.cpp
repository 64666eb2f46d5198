// The snapshot as JSON: what the page draws after every change (and the participants in the
// diagnostics view). Built key by key: nlohmann's initializer lists cost several times the code in
// the browser build, where this runs after every input.
#include "earshot/call.hpp"
#include "earshot/wire.hpp"
#include "wire_detail.hpp"

namespace earshot::wire {
using nlohmann::json;

namespace detail {
json devices_json(const std::vector<Device>& ds) {
  json a = json::array();
  for (const auto& d : ds) {
    json& o = a.emplace_back(json::object());
    o["id"] = d.id;
    o["label"] = d.label;
  }
  return a;
}
json participant_json(const std::optional<Participant>& p) {
  json o;
  if (!p) return o;
  o["id"] = p->id;
  o["name"] = p->name;
  o["role"] = to_string(p->role);
  return o;
}
}  // namespace detail

using detail::devices_json;
using detail::participant_json;

json to_json(const Member& m) {
  json o = json::object();
  o["id"] = m.who.id;
  o["name"] = m.who.name;
  o["role"] = earshot::to_string(m.who.role);
  o["joinedAt"] = m.joined_at;
  o["muted"] = m.muted;
  o["speaking"] = m.speaking;
  o["level"] = m.level;
  o["connection"] = m.connection;
  o["quality"] = m.quality;
  return o;
}

json to_json(const Snapshot& s) {
  json o = json::object();
  o["state"] = earshot::to_string(s.state);
  o["entry"] = earshot::to_string(s.entry);
  o["needsName"] = s.needs_name;
  json& invite = o["invite"];
  if (s.invite) {
    invite["room"] = s.invite->room;
    invite["role"] = earshot::to_string(s.invite->role);
    invite["name"] = s.invite->name;
    invite["title"] = s.invite->title;
    invite["expiresAt"] = s.invite->expires_at;
  }
  json& room = o["room"];
  room["id"] = s.room_id;
  room["title"] = s.room_title;
  room["capacity"] = s.capacity;
#ifndef EARSHOT_SELFHOSTED_ONLY  // only vendor rooms count their listeners
  room["listeners"] = s.listeners;
#endif
  o["self"] = participant_json(s.self);
  json& participants = o["participants"] = json::array();
  for (const auto& m : s.participants) participants.push_back(to_json(m));
  json& peers = o["peers"] = json::array();
  for (const auto& p : s.peers) {
    json& v = peers.emplace_back(json::object());
    v["id"] = p.id;
    v["participant"] = p.participant;
    v["state"] = p.state;
    v["polite"] = p.polite;
  }
  o["media"] = earshot::to_string(s.media);
  o["topology"] = earshot::to_string(s.topology);
  const DeviceState& d = s.devices;
  o["selfSpeaking"] = d.self_speaking;
  o["muted"] = d.muted;
  o["speakingWhileMuted"] = d.speaking_while_muted;
  o["mic"] = to_string(d.mic);
  o["micDeviceId"] = d.mic_device_id;
  o["micLabel"] = d.mic_label;
  o["inputs"] = devices_json(d.inputs);
  o["outputs"] = devices_json(d.outputs);
  o["localLevel"] = d.local_level;
  o["link"] = to_string(s.link);
  o["reconnectAttempt"] = s.reconnect_attempt;
  o["admitted"] = s.admitted;
  o["joinReady"] = s.join_ready;
  o["failure"] = s.failure ? to_json(*s.failure) : json(nullptr);
  o["failureRetryable"] = s.failure_retryable;
  o["notice"] = s.notice;
  o["endedReason"] = s.ended_reason;
  json& lookup = o["lookup"];
  if (s.lookup) {
    lookup["seat"] = s.lookup->seat;
    lookup["inCall"] = s.lookup->in_call;
    json& in_room = lookup["inRoom"] = json::array();
    for (const auto& p : s.lookup->in_room) in_room.push_back(participant_json(p));
  }
  o["takeoverOffered"] = s.takeover_offered;
  o["lastLeft"] = s.last_left;
  o["warnings"] = s.warnings;
  json& chat = o["chat"] = json::array();
  for (const auto& c : s.chat) {
    json& v = chat.emplace_back(json::object());
    v["from"] = c.from;
    v["name"] = c.name;
    v["text"] = c.text;
    v["at"] = c.at;
  }
  json& requests = o["joinRequests"] = json::array();
  for (const auto& p : s.join_requests) requests.push_back(participant_json(p));
  return o;
}

}  // namespace earshot::wire
