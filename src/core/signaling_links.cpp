// Signaling links (see signaling_links.hpp).
#include "earshot/diagnostics.hpp"
#include "earshot/signaling_links.hpp"

namespace earshot {

SignalingLinks::Slot* SignalingLinks::by_purpose(const std::string& purpose) {
  for (auto& s : slots_)
    if (s.purpose == purpose) return &s;
  return nullptr;
}
const SignalingLinks::Slot* SignalingLinks::by_purpose(const std::string& purpose) const {
  for (const auto& s : slots_)
    if (s.purpose == purpose) return &s;
  return nullptr;
}
SignalingLinks::Slot* SignalingLinks::by_link(LinkId id) {
  for (auto& s : slots_)
    if (s.id == id && s.channel) return &s;
  return nullptr;
}

void SignalingLinks::open(const std::string& purpose, std::unique_ptr<SignalingChannel> channel, std::string url,
                          std::vector<std::string> protocols) {
  Slot* s = by_purpose(purpose);
  if (!s) {
    slots_.emplace_back();
    s = &slots_.back();
    s->purpose = purpose;
  }
  s->id = next_id_++;
  s->channel = std::move(channel);
  s->status = LinkStatus::Opening;
  s->backoff_at.reset();
  out_.push(fx::OpenLink{s->id, std::move(url), std::move(protocols)});
  if (s->want_room) s->channel->enter_room();
}

void SignalingLinks::close(const std::string& purpose) {
  Slot* s = by_purpose(purpose);
  if (!s) return;
  if (s->channel) {
    s->channel->leave();
    while (auto t = s->channel->poll_transmit()) out_.push(fx::SendOnLink{s->id, std::move(*t)});
    s->channel.reset();
  }
  if (s->id) out_.push(fx::CloseLink{s->id});
  const std::string p = s->purpose;
  std::erase_if(slots_, [&](const Slot& x) { return x.purpose == p; });
}

void SignalingLinks::close_all() {
  while (!slots_.empty()) close(slots_.front().purpose);
}

SignalingChannel* SignalingLinks::channel(const std::string& purpose) {
  Slot* s = by_purpose(purpose);
  return s ? s->channel.get() : nullptr;
}

void SignalingLinks::want_room(const std::string& purpose) {
  Slot* s = by_purpose(purpose);
  if (!s) return;
  s->want_room = true;
  if (s->channel) {
    s->channel->enter_room();
    pump(*s);
  }
}

void SignalingLinks::mark_in_room(const std::string& purpose) {
  if (Slot* s = by_purpose(purpose)) {
    s->status = LinkStatus::InRoom;
    s->attempt = 0;
    s->backoff_at.reset();
  }
}

void SignalingLinks::healthy(const std::string& purpose) {
  if (Slot* s = by_purpose(purpose)) s->attempt = 0;
}

void SignalingLinks::lost(const std::string& purpose, Instant now, Duration delay) {
  Slot* s = by_purpose(purpose);
  if (!s) return;
  if (s->id) out_.push(fx::CloseLink{s->id});
  s->channel.reset();
  s->id = 0;
  ++s->attempt;
  s->status = LinkStatus::Backoff;
  s->backoff_at = now + delay;
}

bool SignalingLinks::ever_opened(const std::string& purpose) const {
  const Slot* s = by_purpose(purpose);
  return s && s->ever_opened;
}

LinkStatus SignalingLinks::status(const std::string& purpose) const {
  const Slot* s = by_purpose(purpose);
  return s ? s->status : LinkStatus::Down;
}

int SignalingLinks::attempt(const std::string& purpose) const {
  const Slot* s = by_purpose(purpose);
  return s ? s->attempt : 0;
}

void SignalingLinks::handle(const in::LinkOpened& e, Instant now) {
  Slot* s = by_link(e.link);
  if (!s) return;
  s->status = LinkStatus::Open;
  s->ever_opened = true;
  s->channel->handle_open(now);
  pump(*s);
}

void SignalingLinks::handle(const in::LinkMessage& e, Instant now) {
  Slot* s = by_link(e.link);
  if (!s) return;
  s->channel->handle_frame(e.text, now);
  pump(*s);
}

void SignalingLinks::handle(const in::LinkClosed& e, Instant now) {
  Slot* s = by_link(e.link);
  if (!s) return;
  s->channel->handle_close(now);
  pump(*s);
}

void SignalingLinks::pump() {
  for (auto& s : slots_) pump(s);
}

void SignalingLinks::pump(Slot& s) {
  if (!s.channel) return;
  while (auto t = s.channel->poll_transmit()) out_.push(fx::SendOnLink{s.id, std::move(*t)});
  while (auto e = s.channel->poll_event()) notices_.push_back(LinkNotice{s.purpose, std::move(*e)});
}

std::optional<LinkNotice> SignalingLinks::poll_notice() {
  return notices_.take();
}

std::optional<Instant> SignalingLinks::poll_timeout() const {
  std::optional<Instant> best;
  auto take = [&](std::optional<Instant> t) {
    if (t && (!best || *t < *best)) best = t;
  };
  for (const auto& s : slots_) {
    take(s.backoff_at);
    if (s.channel) take(s.channel->poll_timeout());
  }
  return best;
}

void SignalingLinks::pending(std::vector<PendingTimer>& out) const {
  for (const auto& s : slots_) {
    if (s.backoff_at) out.push_back({s.purpose + " link: reconnect", *s.backoff_at});
    if (auto t = s.channel ? s.channel->poll_timeout() : std::nullopt) out.push_back({s.purpose + " link: heartbeat deadline", *t});
  }
}

void SignalingLinks::handle_timeout(Instant now) {
  for (auto& s : slots_) {
    if (s.channel) {
      s.channel->handle_timeout(now);
      pump(s);
    }
    if (s.backoff_at && *s.backoff_at <= now) {
      s.backoff_at.reset();
      notices_.push_back(LinkNotice{s.purpose, std::nullopt});
    }
  }
}

}  // namespace earshot
