// Socket.IO v5 over Engine.IO v4, WebSocket transport only: a sans-IO client codec and session.
// Frames in, frames out; the heartbeat deadline is an output. Garbage is discarded with a warning, never thrown.
// Sources: socketio/engine.io-protocol README (v4), socketio/socket.io-protocol README (v5) and test suites.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "earshot/fifo.hpp"
#include "earshot/base.hpp"

namespace earshot::sio {

// ---- [SECTION] Engine.IO packets -----------------------------------------------------------------
enum class EioType : char { Open = '0', Close = '1', Ping = '2', Pong = '3', Message = '4', Upgrade = '5', Noop = '6' };
struct EioPacket {
  EioType type = EioType::Noop;
  std::string data;  // payload after the type character
  bool operator==(const EioPacket&) const = default;
};
Result<EioPacket> decode_eio(std::string_view frame);
std::string encode_eio(const EioPacket&);

// ---- [SECTION] Socket.IO packets -----------------------------------------------------------------
enum class PacketType : int { Connect = 0, Disconnect = 1, Event = 2, Ack = 3, ConnectError = 4, BinaryEvent = 5, BinaryAck = 6 };
struct Packet {
  PacketType type = PacketType::Event;
  std::string nsp = "/";
  std::optional<std::uint64_t> ack_id;
  nlohmann::json data;  // null when the packet has no payload
  bool operator==(const Packet&) const = default;
};
// Decodes the Socket.IO packet carried in an Engine.IO message (without the leading '4').
// Binary packets (5, 6) are refused: this client never asks for them. Failure code: signal.garbage.
Result<Packet> decode_packet(std::string_view text);
std::string encode_packet(const Packet&);

// The Engine.IO URL for a Socket.IO endpoint: "ws://h:p/ws" -> "ws://h:p/ws/?EIO=4&transport=websocket".
// http(s) schemes become ws(s). Failure code: signal.bad_url.
Result<std::string> websocket_url(std::string_view endpoint, std::string_view default_path = "/socket.io/");

// ---- [SECTION] Client session events -------------------------------------------------------------
struct Opened {        // Engine.IO handshake done (open packet received)
  std::string sid;
  Duration ping_interval = 25000;
  Duration ping_timeout = 20000;
  std::size_t max_payload = 1000000;
  bool operator==(const Opened&) const = default;
};
struct Connected {     // namespace connect accepted (40{"sid":..})
  std::string sid;
  bool operator==(const Connected&) const = default;
};
struct ConnectRefused {  // 44{"message":..,"data":..}
  std::string message;
  nlohmann::json data;
  bool operator==(const ConnectRefused&) const = default;
};
struct EventReceived {   // 42["name", args...]
  std::string name;
  nlohmann::json args;   // array of the arguments after the name
  std::optional<std::uint64_t> ack_id;  // set when the server wants an ack (answer with ack())
  bool operator==(const EventReceived&) const = default;
};
struct AckReceived {     // 43<id>[args...]
  std::uint64_t id = 0;
  nlohmann::json args;
  bool operator==(const AckReceived&) const = default;
};
struct Closed {          // the session is over; the driver should close the WebSocket
  std::string reason;    // "server disconnect", "ping timeout", "handshake timeout", "transport close",
                         // "client disconnect", "connect refused" (after ConnectRefused), "protocol error"
  bool operator==(const Closed&) const = default;
};
struct Discarded {       // an untrusted frame that was dropped (warning for diagnostics)
  std::string why;
  bool operator==(const Discarded&) const = default;
};
using SessionEvent = std::variant<Opened, Connected, ConnectRefused, EventReceived, AckReceived, Closed, Discarded>;

// ---- [SECTION] Client session --------------------------------------------------------------------
// One WebSocket's worth of Socket.IO. Typical use:
//   Session s({.auth = {{"token", t}}});
//   ws.onopen  -> s.handle_transport_open(now)
//   ws.onmessage -> s.handle_frame(text, now)
//   ws.onclose -> s.handle_transport_close(now)
//   after each: drain poll_transmit() into ws.send, poll_event() into the application,
//   and arm a timer for poll_timeout() that calls handle_timeout(now).
// connect() may be called at any time: the CONNECT packet is queued until the Engine.IO open arrives,
// so a page can hold an opened link and send CONNECT only when the user joins.
class Session {
 public:
  struct Options {
    std::string nsp = "/";
    nlohmann::json auth;              // object sent with CONNECT; null (or any non-object) for none
    std::size_t max_frame = 1 << 20;  // frames above this (or above the server's maxPayload) are discarded
  };
  explicit Session(Options options);

  void handle_transport_open(Instant now);
  void handle_frame(std::string_view frame, Instant now);
  void handle_transport_close(Instant now);
  void handle_timeout(Instant now);

  void connect();                                      // send CONNECT (now or once opened)
  // Emits ["name", data]; with want_ack the returned id matches a later AckReceived.
  std::optional<std::uint64_t> emit(std::string_view name, nlohmann::json data, bool want_ack = false);
  void ack(std::uint64_t id, nlohmann::json args);     // answer a server event's ack request
  void disconnect();                                   // sends 41 then Engine.IO close

  std::optional<std::string> poll_transmit();
  std::optional<SessionEvent> poll_event();
  std::optional<Instant> poll_timeout() const;         // heartbeat deadline

  bool is_open() const { return opened_; }
  bool is_connected() const { return connected_; }
  bool is_closed() const { return closed_; }

 private:
  void close_with(std::string reason);
  void send_packet(const Packet& p);
  void discard(std::string why);
  void handle_open(std::string_view json, Instant now);
  void handle_message(std::string_view text);
  void send_connect();
  Options options_;
  bool opened_ = false, connect_wanted_ = false, connect_sent_ = false, connected_ = false, closed_ = false;
  Opened handshake_;
  std::optional<Instant> deadline_;
  std::uint64_t next_ack_id_ = 0;
  Fifo<Packet> pending_emits_;      // emitted before Connected; flushed in order on Connected
  std::vector<std::uint64_t> awaited_acks_;  // ack ids we asked for and have not yet received (a few)
  Fifo<std::string> transmit_;
  Fifo<SessionEvent> events_;
};

}  // namespace earshot::sio
