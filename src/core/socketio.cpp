// Socket.IO v5 over Engine.IO v4 (WebSocket only): packet codecs, the endpoint URL, and the client session.
// Every frame from the server is untrusted: it is decoded into typed values or dropped with a stable reason.
//
// [SECTION] Helpers            JSON nesting guard, safe dump, failures
// [SECTION] Engine.IO codec    decode_eio / encode_eio
// [SECTION] Socket.IO codec    decode_packet / encode_packet
// [SECTION] Endpoint URL       websocket_url
// [SECTION] Session            inputs (handle_*), user actions, outputs (poll_*)
//
// Sources: socketio/engine.io-protocol README (v4: the server sends "2", the client answers "3"; the open
// packet carries sid, pingInterval, pingTimeout, maxPayload) and socketio/socket.io-protocol README (v5
// packet format `<type>[<attachments>-][<nsp>,][<ackId>][JSON]`, namespace omitted for "/").
#include "earshot/socketio.hpp"
#include "earshot/json.hpp"

#include <algorithm>
#include <utility>

namespace earshot::sio {

// ---- [SECTION] Helpers ---------------------------------------------------------------------------
namespace {

constexpr std::uint64_t kMaxAckId = std::uint64_t{1} << 53;  // JS Number.isSafeInteger range (+1)
constexpr int kMaxJsonDepth = 64;                            // signaling payloads nest 3-4 levels deep
constexpr Duration kHandshakeTimeout = 20000;                // transport open -> Engine.IO open packet
constexpr std::int64_t kMaxTimerValue = 2147483647;          // largest JS setTimeout delay (ms)

Failure garbage(std::string why) { return Failure{"signal.garbage", std::move(why)}; }

// nlohmann's parser is iterative but dump() and operator== recurse: refuse deep nesting before parsing.
bool nesting_within(std::string_view s, int limit) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : s) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

// Parses untrusted JSON without exceptions. The failure message is the stable "why".
Result<nlohmann::json> parse_json(std::string_view s) {
  if (!nesting_within(s, kMaxJsonDepth)) return garbage("nested too deep");
  nlohmann::json j = parse_json_text(s);
  if (j.is_discarded()) return garbage("bad json");
  return j;
}

// dump() that cannot throw: invalid UTF-8 in caller-supplied strings becomes U+FFFD.
std::string dump_json(const nlohmann::json& j) {
  return json_text(j);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A positive integer that fits a JS timer; anything else in the open packet is a protocol error.
std::optional<std::int64_t> positive_int(const nlohmann::json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    if (v == 0 || v > static_cast<std::uint64_t>(kMaxTimerValue)) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  const auto v = it->get<std::int64_t>();
  if (v <= 0 || v > kMaxTimerValue) return std::nullopt;
  return v;
}

}  // namespace

// ---- [SECTION] Engine.IO codec -------------------------------------------------------------------
Result<EioPacket> decode_eio(std::string_view frame) {
  if (frame.empty()) return garbage("empty frame");
  const char t = frame.front();
  if (t < '0' || t > '6') return garbage("unknown engine.io type");
  return EioPacket{static_cast<EioType>(t), std::string(frame.substr(1))};
}

std::string encode_eio(const EioPacket& p) {
  std::string out;
  out.reserve(1 + p.data.size());
  out.push_back(static_cast<char>(p.type));
  out += p.data;
  return out;
}

// ---- [SECTION] Socket.IO codec -------------------------------------------------------------------
Result<Packet> decode_packet(std::string_view text) {
  if (text.empty()) return garbage("empty packet");
  const char t = text.front();
  if (t < '0' || t > '6') return garbage("unknown packet type");
  Packet p;
  p.type = static_cast<PacketType>(t - '0');
  if (p.type == PacketType::BinaryEvent || p.type == PacketType::BinaryAck) return garbage("binary packet");
  std::size_t i = 1;

  // Namespace: "/name," (the reference parser also accepts "/name" running to the end of the packet).
  if (i < text.size() && text[i] == '/') {
    const std::size_t comma = text.find(',', i);
    const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    p.nsp = std::string(text.substr(i, end - i));
    i = comma == std::string_view::npos ? text.size() : comma + 1;
  }

  // Ack id: decimal digits, at most 2^53 (what a JS peer can represent).
  if (i < text.size() && is_digit(text[i])) {
    std::uint64_t id = 0;
    while (i < text.size() && is_digit(text[i])) {
      id = id * 10 + static_cast<std::uint64_t>(text[i] - '0');
      if (id > kMaxAckId) return garbage("ack id overflow");
      ++i;
    }
    p.ack_id = id;
  }
  if (p.ack_id && p.type != PacketType::Event && p.type != PacketType::Ack) return garbage("unexpected ack id");
  if (!p.ack_id && p.type == PacketType::Ack) return garbage("missing ack id");

  if (i < text.size()) {
    auto parsed = parse_json(text.substr(i));
    if (!parsed) return parsed.failure();
    p.data = std::move(parsed).value();
  }

  // Payload shape per type (socket.io-parser isPayloadValid, minus its number-as-event-name leniency).
  const nlohmann::json& d = p.data;
  switch (p.type) {
    case PacketType::Connect:  // client: optional auth object; server: {"sid":..}
      if (!d.is_null() && !d.is_object()) return garbage("bad payload");
      break;
    case PacketType::Disconnect:
      if (!d.is_null()) return garbage("bad payload");
      break;
    case PacketType::ConnectError:  // v5: {"message":..,"data":..}; v4 servers sent a bare string
      if (!d.is_object() && !d.is_string()) return garbage("bad payload");
      break;
    case PacketType::Event:
      if (!d.is_array() || d.empty() || !d.front().is_string()) return garbage("bad event");
      break;
    case PacketType::Ack:
      if (!d.is_array()) return garbage("bad payload");
      break;
    case PacketType::BinaryEvent:
    case PacketType::BinaryAck:
      break;  // refused above
  }
  return p;
}

std::string encode_packet(const Packet& p) {
  std::string out(1, static_cast<char>('0' + static_cast<int>(p.type)));
  if (!p.nsp.empty() && p.nsp != "/") {
    out += p.nsp;
    out.push_back(',');
  }
  if (p.ack_id) out += std::to_string(*p.ack_id);
  if (!p.data.is_null()) out += dump_json(p.data);
  return out;
}

// ---- [SECTION] Endpoint URL ----------------------------------------------------------------------
namespace {
Failure bad_url(std::string message) { return Failure{"signal.bad_url", std::move(message)}; }

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  for (const char c : port) {
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value >= 1 && value <= 65535;
}

bool valid_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' || c == '-' || c == '_' ||
         c == '%' || c == '~';
}

bool valid_authority(std::string_view a) {
  std::string_view host = a, port;
  if (!a.empty() && a.front() == '[') {  // IPv6 literal
    const std::size_t close = a.find(']');
    if (close == std::string_view::npos || close < 2) return false;
    for (const char c : a.substr(1, close - 1)) {
      if (!is_digit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') && c != ':' && c != '.') return false;
    }
    const std::string_view rest = a.substr(close + 1);
    if (rest.empty()) return true;
    return rest.front() == ':' && valid_port(rest.substr(1));
  }
  const std::size_t colon = a.find(':');
  if (colon != std::string_view::npos) {
    host = a.substr(0, colon);
    port = a.substr(colon + 1);
    if (!valid_port(port)) return false;
  }
  if (host.empty()) return false;
  for (const char c : host) {
    if (!valid_host_char(c)) return false;
  }
  return true;
}

std::string with_slashes(std::string_view path) {
  std::string p(path);
  if (p.empty() || p.front() != '/') p.insert(p.begin(), '/');
  if (p.back() != '/') p.push_back('/');
  return p;
}
}  // namespace

Result<std::string> websocket_url(std::string_view endpoint, std::string_view default_path) {
  for (const char c : endpoint) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return bad_url("The signaling URL contains spaces or characters that are not allowed.");
  }
  const std::size_t sep = endpoint.find("://");
  if (sep == std::string_view::npos) return bad_url("The signaling URL must start with ws://, wss://, http:// or https://.");
  std::string scheme(endpoint.substr(0, sep));
  for (char& c : scheme) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (scheme == "http") scheme = "ws";
  if (scheme == "https") scheme = "wss";
  if (scheme != "ws" && scheme != "wss") {
    return bad_url("The signaling URL must start with ws://, wss://, http:// or https://.");
  }
  const std::string_view rest = endpoint.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) return bad_url("The signaling URL must not have a #fragment.");
  const std::size_t auth_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, auth_end);
  if (authority.find('@') != std::string_view::npos) return bad_url("The signaling URL must not carry credentials.");
  if (!valid_authority(authority)) return bad_url("The signaling URL has no valid host (and port).");

  std::string_view path, query;
  if (auth_end != std::string_view::npos) {
    const std::string_view tail = rest.substr(auth_end);
    const std::size_t q = tail.find('?');
    path = tail.substr(0, q);
    if (q != std::string_view::npos) query = tail.substr(q + 1);
  }
  // No path (or just "/") means the server's default Socket.IO path.
  const std::string full_path = (path.empty() || path == "/") ? with_slashes(default_path) : with_slashes(path);
  std::string url = scheme + "://" + std::string(authority) + full_path + "?";
  if (!query.empty()) {
    url += query;
    url.push_back('&');
  }
  url += "EIO=4&transport=websocket";
  return url;
}

// ---- [SECTION] Session ---------------------------------------------------------------------------
Session::Session(Options options) : options_(std::move(options)) {
  if (options_.nsp.empty()) options_.nsp = "/";
}

void Session::handle_transport_open(Instant now) {
  if (closed_ || opened_ || deadline_) return;
  deadline_ = now + kHandshakeTimeout;
}

void Session::handle_frame(std::string_view frame, Instant now) {
  if (closed_) return;
  if (frame.size() > options_.max_frame || (opened_ && frame.size() > handshake_.max_payload)) {
    return discard("frame too large");
  }
  auto decoded = decode_eio(frame);
  if (!decoded) return discard(decoded.failure().message);
  EioPacket& eio = decoded.value();
  if (!opened_) {
    if (eio.type != EioType::Open) return discard("before open");
    return handle_open(eio.data, now);
  }
  switch (eio.type) {
    case EioType::Open:
      return discard("unexpected open");
    case EioType::Close:
      return close_with("server disconnect");
    case EioType::Ping:  // v4: server pings, client pongs with the same payload ("2probe" -> "3probe")
      deadline_ = now + handshake_.ping_interval + handshake_.ping_timeout;
      transmit_.push_back(encode_eio({EioType::Pong, std::move(eio.data)}));
      return;
    case EioType::Pong:
      return discard("unexpected pong");
    case EioType::Message:
      return handle_message(eio.data);
    case EioType::Upgrade:
      return discard("unexpected upgrade");
    case EioType::Noop:
      return;
  }
}

void Session::handle_open(std::string_view json, Instant now) {
  auto parsed = parse_json(json);
  if (!parsed || !parsed->is_object()) return close_with("protocol error");
  const nlohmann::json& o = *parsed;
  const auto sid = o.find("sid");
  const auto interval = positive_int(o, "pingInterval");
  const auto timeout = positive_int(o, "pingTimeout");
  if (sid == o.end() || !sid->is_string() || sid->get_ref<const std::string&>().empty() || !interval || !timeout) {
    return close_with("protocol error");
  }
  Opened opened{sid->get<std::string>(), *interval, *timeout, handshake_.max_payload};
  if (o.contains("maxPayload")) {  // absent from servers older than engine.io 6.1: keep the default
    const auto max_payload = positive_int(o, "maxPayload");
    if (!max_payload) return close_with("protocol error");
    opened.max_payload = static_cast<std::size_t>(*max_payload);
  }
  opened_ = true;
  handshake_ = opened;
  deadline_ = now + opened.ping_interval + opened.ping_timeout;
  events_.emplace_back(std::move(opened));
  if (connect_wanted_ && !connect_sent_) send_connect();
}

void Session::handle_message(std::string_view text) {
  auto decoded = decode_packet(text);
  if (!decoded) return discard(decoded.failure().message);
  Packet& p = decoded.value();
  if (p.nsp != options_.nsp) return discard("unknown namespace");
  switch (p.type) {
    case PacketType::Connect: {
      if (!connect_sent_ || connected_) return discard("unexpected connect");
      const auto sid = p.data.is_object() ? p.data.find("sid") : p.data.end();
      if (!p.data.is_object() || sid == p.data.end() || !sid->is_string()) return discard("bad connect");
      connected_ = true;
      events_.emplace_back(Connected{sid->get<std::string>()});
      while (!pending_emits_.empty()) {
        send_packet(pending_emits_.front());
        pending_emits_.pop_front();
      }
      return;
    }
    case PacketType::ConnectError: {
      if (!connect_sent_) return discard("unexpected connect error");
      ConnectRefused refused;
      if (p.data.is_string()) {
        refused.message = p.data.get<std::string>();
      } else {
        const auto msg = p.data.find("message");
        if (msg != p.data.end() && msg->is_string()) refused.message = msg->get<std::string>();
        const auto data = p.data.find("data");
        if (data != p.data.end()) refused.data = *data;
      }
      events_.emplace_back(std::move(refused));
      return close_with("connect refused");
    }
    case PacketType::Disconnect:
      if (!connect_sent_) return discard("unexpected disconnect");
      return close_with("server disconnect");
    case PacketType::Event: {
      if (!connected_) return discard("event before connect");
      EventReceived ev;
      ev.name = p.data.front().get<std::string>();
      ev.args = nlohmann::json::array();
      for (std::size_t k = 1; k < p.data.size(); ++k) ev.args.push_back(std::move(p.data[k]));
      ev.ack_id = p.ack_id;
      events_.emplace_back(std::move(ev));
      return;
    }
    case PacketType::Ack: {
      if (!connected_) return discard("ack before connect");
      auto awaited = std::find(awaited_acks_.begin(), awaited_acks_.end(), *p.ack_id);
      if (awaited == awaited_acks_.end()) return discard("unknown ack id");
      awaited_acks_.erase(awaited);
      events_.emplace_back(AckReceived{*p.ack_id, std::move(p.data)});
      return;
    }
    case PacketType::BinaryEvent:
    case PacketType::BinaryAck:
      return discard("binary packet");  // decode_packet refuses these already
  }
}

void Session::handle_transport_close(Instant) {
  if (!closed_) close_with("transport close");
}

void Session::handle_timeout(Instant now) {
  if (closed_ || !deadline_ || now < *deadline_) return;
  close_with(opened_ ? "ping timeout" : "handshake timeout");
}

void Session::connect() {
  if (closed_ || connect_wanted_) return;
  connect_wanted_ = true;
  if (opened_) send_connect();
}

std::optional<std::uint64_t> Session::emit(std::string_view name, nlohmann::json data, bool want_ack) {
  if (closed_) return std::nullopt;
  Packet p;
  p.type = PacketType::Event;
  p.nsp = options_.nsp;
  p.data = nlohmann::json::array({std::string(name), std::move(data)});
  if (want_ack) {
    p.ack_id = next_ack_id_++;
    awaited_acks_.push_back(*p.ack_id);
  }
  const auto id = p.ack_id;
  if (connected_) {
    send_packet(p);
  } else {
    pending_emits_.push_back(std::move(p));
  }
  return id;
}

void Session::ack(std::uint64_t id, nlohmann::json args) {
  if (closed_ || !connected_) return;
  Packet p;
  p.type = PacketType::Ack;
  p.nsp = options_.nsp;
  p.ack_id = id;
  if (args.is_null()) {
    p.data = nlohmann::json::array();
  } else if (args.is_array()) {
    p.data = std::move(args);
  } else {
    p.data = nlohmann::json::array({std::move(args)});
  }
  send_packet(p);
}

void Session::disconnect() {
  if (closed_) return;
  close_with("client disconnect");
  if (!opened_) return;
  if (connect_sent_) send_packet(Packet{PacketType::Disconnect, options_.nsp, std::nullopt, nullptr});
  transmit_.push_back(encode_eio({EioType::Close, {}}));
}

std::optional<std::string> Session::poll_transmit() {
  return transmit_.take();
}

std::optional<SessionEvent> Session::poll_event() {
  return events_.take();
}

std::optional<Instant> Session::poll_timeout() const {
  if (closed_) return std::nullopt;
  return deadline_;
}

void Session::close_with(std::string reason) {
  closed_ = true;
  connected_ = false;
  deadline_.reset();
  // The link is going away: frames not yet handed to the driver are moot, except when the user hangs up,
  // where whatever they emitted just before (and the goodbye frames) should still go out.
  if (reason != "client disconnect") transmit_.clear();
  pending_emits_.clear();
  awaited_acks_.clear();
  events_.emplace_back(Closed{std::move(reason)});
}

void Session::send_packet(const Packet& p) { transmit_.push_back(encode_eio({EioType::Message, encode_packet(p)})); }

void Session::discard(std::string why) { events_.emplace_back(Discarded{std::move(why)}); }

void Session::send_connect() {
  connect_sent_ = true;
  Packet p{PacketType::Connect, options_.nsp, std::nullopt, nullptr};
  if (options_.auth.is_object()) p.data = options_.auth;
  send_packet(p);
}

}  // namespace earshot::sio
