// Signaling links: the WebSockets a profile speaks over (the room's signaling today; a chat socket
// and a vendor signaling socket for group voice), each keyed by its purpose, each with its own
// channel, status and reconnect backoff. Owns the links and nothing else.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "earshot/fifo.hpp"
#include "earshot/io.hpp"

namespace earshot {

enum class LinkStatus { Down, Opening, Open, InRoom, Backoff };

struct LinkNotice {
  std::string purpose;
  std::optional<signal::Event> event;  // empty: the backoff for this link ran out; open it again
};

class SignalingLinks {
 public:
  explicit SignalingLinks(Outbox& out) : out_(out) {}

  // Opens a WebSocket for `purpose` driven by `channel`; enter_room() is passed on if wanted.
  void open(const std::string& purpose, std::unique_ptr<SignalingChannel> channel, std::string url,
            std::vector<std::string> protocols = {});
  void close(const std::string& purpose);  // leave politely, then close
  void close_all();
  SignalingChannel* channel(const std::string& purpose);
  void want_room(const std::string& purpose);  // enter the room now, or as soon as the link opens
  void mark_in_room(const std::string& purpose);
  void healthy(const std::string& purpose);    // the link works again: forget past trouble
  // The link died: close it and come back (LinkNotice without event) after `delay`.
  void lost(const std::string& purpose, Instant now, Duration delay);
  LinkStatus status(const std::string& purpose) const;
  int attempt(const std::string& purpose) const;
  bool in_room(const std::string& purpose) const { return status(purpose) == LinkStatus::InRoom; }
  bool ever_opened(const std::string& purpose) const;  // since open(), through every reconnection

  void handle(const in::LinkOpened&, Instant now);
  void handle(const in::LinkMessage&, Instant now);
  void handle(const in::LinkClosed&, Instant now);
  void pump();  // after the call told a channel to send something
  std::optional<LinkNotice> poll_notice();
  std::optional<Instant> poll_timeout() const;
  void pending(std::vector<struct PendingTimer>& out) const;  // named, for diagnostics
  void handle_timeout(Instant now);

 private:
  struct Slot {
    std::string purpose;
    LinkId id = 0;
    std::unique_ptr<SignalingChannel> channel;
    LinkStatus status = LinkStatus::Down;
    int attempt = 0;
    bool want_room = false;
    bool ever_opened = false;
    std::optional<Instant> backoff_at;
  };
  Slot* by_purpose(const std::string& purpose);
  const Slot* by_purpose(const std::string& purpose) const;
  Slot* by_link(LinkId id);
  void pump(Slot&);

  Outbox& out_;
  std::vector<Slot> slots_;
  LinkId next_id_ = 1;
  Fifo<LinkNotice> notices_;
};

}  // namespace earshot
