// Fuzzes a whole Call with untrusted signaling frames once it is in the room: whatever the server
// (or a man in the middle) sends, the core must not crash, must not send on a closed link, and must
// keep its state inside the table.
#include <cstdint>
#include <string>
#include <vector>

#include "earshot/call.hpp"
#include "earshot/crypto.hpp"

using namespace earshot;

namespace {
constexpr Instant kNow = 1800000000000;
std::string invite_link() {
  nlohmann::json h = {{"alg", "HS256"}, {"typ", "JWT"}};
  nlohmann::json c = {{"iss", "earshot"}, {"typ", "invite"}, {"room", "r1"}, {"role", "host"}, {"name", "H"},
                      {"jti", "j"}, {"iat", kNow / 1000}, {"exp", kNow / 1000 + 3600}};
  std::string in = crypto::base64url_encode(h.dump()) + "." + crypto::base64url_encode(c.dump());
  return "room.html?room=r1&t=" + in + "." + crypto::base64url_encode(crypto::as_bytes(crypto::hmac_sha256("k", in)));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string link = invite_link();
  CallConfig cfg;
  Call call(cfg, kNow, 1);
  Instant now = kNow;
  std::uint64_t open_link = 0;
  auto drain = [&] {
    while (auto e = call.poll_effect()) {
      if (auto* o = std::get_if<fx::OpenLink>(&*e)) open_link = o->id;
      if (auto* s = std::get_if<fx::SendOnLink>(&*e); s && s->id != open_link) __builtin_trap();
      if (auto* c = std::get_if<fx::CloseLink>(&*e); c && c->id == open_link) open_link = 0;
    }
  };
  call.handle(in::PageOpened{link}, now);
  call.handle(in::MicGranted{"default", "Mic"}, now);
  call.handle(in::HttpResponded{1, 200, R"({"roomId":"r1","token":"T","signalingUrl":"ws://h/ws","ttl":600,"iceServers":[],"user":{"userId":"u1","name":"H","role":"host"}})"}, now);
  drain();
  call.handle(in::LinkOpened{open_link}, now);
  call.handle(in::LinkMessage{open_link, R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})"}, now);
  call.handle(in::JoinClicked{}, now);
  call.handle(in::LinkMessage{open_link, R"(40{"sid":"x"})"}, now);
  drain();
  // The input: frames separated by 0x00; a 0x01 byte advances the clock by 7 s and fires timers.
  std::string frame;
  auto flush = [&] {
    if (open_link) call.handle(in::LinkMessage{open_link, frame}, now);
    frame.clear();
    drain();
  };
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) flush();
    else if (data[i] == 1) {
      flush();
      now += 7000;
      call.handle_timeout(now);
      drain();
      if (!open_link) call.handle(in::LinkOpened{open_link}, now);
    } else frame.push_back(static_cast<char>(data[i]));
  }
  flush();
  if (call.snapshot().history.size() > 1000) __builtin_trap();
  return 0;
}
