// libFuzzer target for the Socket.IO / Engine.IO client: the codecs on raw bytes, and a Session driven
// through every state (fresh, opened, connected, closed) by a fuzzer-chosen mix of server frames,
// user actions and clock ticks. Invariants are checked with __builtin_trap so any violation is a crash.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "earshot/socketio.hpp"

using namespace earshot;
using namespace earshot::sio;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Whatever decodes must re-encode to a string that decodes again to the same encoding.
void codec_round_trips(std::string_view bytes) {
  if (const auto eio = decode_eio(bytes); eio.ok()) {
    check(encode_eio(*eio) == bytes);
  } else {
    check(eio.failure().code == "signal.garbage" && !eio.failure().message.empty());
  }
  if (const auto p = decode_packet(bytes); p.ok()) {
    const std::string once = encode_packet(*p);
    const auto again = decode_packet(once);
    check(again.ok());
    check(encode_packet(*again) == once);
    check(p->type != PacketType::BinaryEvent && p->type != PacketType::BinaryAck);
    if (p->ack_id) check(*p->ack_id <= (std::uint64_t{1} << 53));
  } else {
    check(p.failure().code == "signal.garbage" && !p.failure().message.empty());
  }
  if (const auto url = websocket_url(bytes); url.ok()) {
    check(url->find("EIO=4&transport=websocket") != std::string::npos);
    check(url->rfind("ws://", 0) == 0 || url->rfind("wss://", 0) == 0);
  } else {
    check(url.failure().code == "signal.bad_url");
  }
}

struct Observer {
  bool closed_seen = false;
  bool connect_called = false;
  int closed_count = 0;

  // Drains the session and checks what came out.
  void drain(Session& s) {
    while (auto frame = s.poll_transmit()) {
      const auto eio = decode_eio(*frame);
      check(eio.ok());  // everything we send is a well-formed Engine.IO frame...
      if (eio->type == EioType::Message) {
        check(decode_packet(eio->data).ok());  // ...carrying a well-formed Socket.IO packet
      }
    }
    while (auto event = s.poll_event()) {
      check(!closed_seen);  // never emits after Closed
      if (std::holds_alternative<Closed>(*event)) {
        closed_seen = true;
        ++closed_count;
      }
      if (std::holds_alternative<Connected>(*event)) check(connect_called);
      if (const auto* d = std::get_if<Discarded>(&*event)) check(!d->why.empty());
    }
    check(closed_count <= 1);
    check(s.is_closed() == closed_seen);
    if (s.is_closed()) check(!s.poll_timeout() && !s.is_connected());
    if (s.is_connected()) check(s.is_open());
  }
};

const std::string kOpen =
    R"(0{"sid":"fz","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  codec_round_trips(std::string_view(reinterpret_cast<const char*>(data), size));

  FuzzedDataProvider in(data, size);
  Session::Options options;
  options.nsp = in.ConsumeBool() ? "/" : "/admin";
  if (in.ConsumeBool()) options.auth = {{"token", in.ConsumeRandomLengthString(32)}};
  options.max_frame = in.ConsumeBool() ? std::size_t{1} << 20 : in.ConsumeIntegralInRange<std::size_t>(0, 256);
  const std::string prefix = options.nsp == "/" ? "4" : "4" + options.nsp + ",";

  Session s(options);
  Observer seen;
  Instant now = 1'700'000'000'000;

  // Start state: fresh, transport open, opened, or connected.
  const int start = in.ConsumeIntegralInRange(0, 3);
  if (start >= 1) s.handle_transport_open(now);
  if (start >= 2) s.handle_frame(kOpen, now);
  if (start >= 3) {
    s.connect();
    seen.connect_called = true;
    s.handle_frame(prefix + R"(0{"sid":"nsp"})", now);
  }
  seen.drain(s);

  while (in.remaining_bytes() > 0) {
    switch (in.ConsumeIntegralInRange(0, 13)) {
      case 0: s.handle_frame(in.ConsumeRandomLengthString(4096), now); break;
      case 1: s.handle_frame("4" + in.ConsumeRandomLengthString(4096), now); break;
      case 2: s.handle_frame(prefix + in.ConsumeRandomLengthString(4096), now); break;
      case 3: s.handle_frame("0" + in.ConsumeRandomLengthString(512), now); break;
      case 4: s.handle_frame(kOpen, now); break;
      case 5: s.handle_frame(prefix + R"(0{"sid":"nsp"})", now); break;
      case 6: s.handle_frame(in.ConsumeBool() ? "2" : "2probe", now); break;
      case 7:
        s.connect();
        seen.connect_called = true;
        break;
      case 8: {
        const std::string name = in.ConsumeRandomLengthString(64);
        nlohmann::json arg = in.ConsumeBool() ? nlohmann::json(in.ConsumeRandomLengthString(64))
                                              : nlohmann::json(in.ConsumeIntegral<std::int64_t>());
        const bool want_ack = in.ConsumeBool();
        const auto id = s.emit(name, std::move(arg), want_ack);
        check(s.is_closed() ? !id : id.has_value() == want_ack);
        break;
      }
      case 9: s.ack(in.ConsumeIntegralInRange<std::uint64_t>(0, std::uint64_t{1} << 53),
                    nlohmann::json(in.ConsumeRandomLengthString(64)));
        break;
      case 10: s.disconnect(); break;
      case 11:
        now += in.ConsumeIntegralInRange<Duration>(0, 100'000);
        s.handle_timeout(now);
        break;
      case 12: s.handle_transport_close(now); break;
      case 13: now += in.ConsumeIntegralInRange<Duration>(0, 50'000); break;
    }
    seen.drain(s);
  }
  return 0;
}
