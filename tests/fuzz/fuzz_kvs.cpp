// libFuzzer target for the KVS signaling channel and the group chat client (issue 9 groundwork): fuzzer-chosen frames from the
// service (raw bytes, and well-formed envelopes around hostile payloads) and sends, for a master and a
// viewer. Invariants: nothing throws; every event is one of the kinds the channel documents; a
// description or candidate names its sender; every frame sent is JSON under the service's limits.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "earshot/crypto.hpp"
#include "earshot/groupchat.hpp"
#include "earshot/kvs.hpp"
#include "earshot/vendor_profiles.hpp"
#include "fuzz_util.hpp"

using namespace earshot;
using earshot::fuzz::check;
using nlohmann::json;

// The chat client (seed 003 + 001's voice routes) on the same bytes: never throws, sends only frames
// API Gateway would take.
void chat(std::string_view bytes) {
  groupchat::Client c;
  c.handle_frame(bytes);
  c.join_room("R1");
  c.handle_frame(bytes);
  (void)c.send_message(bytes);
  c.voice_credentials();
  c.get_messages(100);
  while (auto e = c.poll_event()) {
    const json j = groupchat::to_json(*e);  // what the page module reads: always an object with a type
    check(j.is_object() && j.contains("type") && !j.dump(-1, ' ', false, json::error_handler_t::replace).empty());
  }
  while (auto f = c.poll_transmit()) check(f->size() <= groupchat::kMaxFrameBytes && json::parse(*f, nullptr, false).is_object());
}

// The kvs profile on a hostile voice token (the page module hands it over): a presigned URL or a named
// failure, a channel or none; never a throw.
void token(std::string_view bytes) {
  const KvsProfile profile("ws://h");
  Admission a;
  a.token = std::string(bytes);
  a.signaling_url = "wss://127.0.0.1:9443";
  if (auto url = profile.signaling_url_at(a, 1800000000000); url.ok()) check(url->rfind("wss://127.0.0.1:9443?", 0) == 0);
  else check(!url.failure().message.empty());
  (void)profile.open_channel(a);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  chat(std::string_view(reinterpret_cast<const char*>(data), size));
  token(std::string_view(reinterpret_cast<const char*>(data), size));
  FuzzedDataProvider in(data, size);
  const bool master = in.ConsumeBool();
  kvs::SignalingChannel c(master ? kvs::Role::Master : kvs::Role::Viewer, master ? "" : "viewer-1",
                          Participant{master ? "master" : "viewer-1", "Me", master ? Role::Host : Role::Guest}, "Ana");
  c.handle_open(0);
  if (in.ConsumeBool()) c.enter_room();
  while (in.remaining_bytes() > 0) {
    switch (in.ConsumeIntegralInRange(0, 4)) {
      case 0: c.handle_frame(in.ConsumeRandomLengthString(4096), 0); break;
      case 1: {  // a well-formed envelope around a fuzzed payload
        static const char* kTypes[] = {"SDP_OFFER", "SDP_ANSWER", "ICE_CANDIDATE", "GO_AWAY", "STATUS_RESPONSE", "x"};
        json f{{"messageType", kTypes[in.ConsumeIntegralInRange(0, 5)]},
               {"messagePayload", crypto::base64_encode(in.ConsumeRandomLengthString(2048))}};
        if (in.ConsumeBool()) f["senderClientId"] = in.ConsumeRandomLengthString(64);
        c.handle_frame(f.dump(-1, ' ', false, json::error_handler_t::replace), 0);
        break;
      }
      case 2: c.send_description(in.ConsumeRandomLengthString(64), in.ConsumeBool() ? "offer" : "answer", in.ConsumeRandomLengthString(12000)); break;
      case 3: c.send_candidate(in.ConsumeRandomLengthString(64), json{{"candidate", in.ConsumeRandomLengthString(256)}}); break;
      case 4: c.handle_close(0); c.handle_open(0); c.enter_room(); break;
    }
    while (auto e = c.poll_event()) {
      if (auto* d = std::get_if<signal::Description>(&*e)) check(!d->from.empty() && (d->type == "offer" || d->type == "answer"));
      else if (auto* k = std::get_if<signal::Candidate>(&*e)) check(!k->from.empty() && k->candidate.is_object());
      else if (auto* j = std::get_if<signal::PeerJoined>(&*e)) check(master && !j->peer.id.empty());
      else if (auto* w = std::get_if<signal::Welcome>(&*e)) check(master ? w->others.size() <= 10 : w->others.size() == 1);
      else check(std::holds_alternative<signal::Warning>(*e) || std::holds_alternative<signal::GoAway>(*e) ||
                 std::holds_alternative<signal::Lost>(*e));
    }
    while (auto f = c.poll_transmit()) {
      const json j = json::parse(*f, nullptr, false);
      check(j.is_object() && j.contains("action") && j.contains("messagePayload"));
      check(j["messagePayload"].get<std::string>().size() <= 10 * 1024);
      check(master == j.contains("recipientClientId"));
    }
  }
  return 0;
}
