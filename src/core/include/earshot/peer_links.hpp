// Peer links: one RTCPeerConnection per remote participant we exchange audio with, each with its own
// perfect negotiation (polite side rolls back on glare), candidate queue, DTLS-fingerprint watch,
// connect deadline, ICE-restart timer and give-up timer. Effects go to the shared Outbox and carry the
// link's id; descriptions and candidates to send come out addressed to the participant; what the
// call must know comes out as LinkEvents. Owns the links and nothing else.
#pragma once
#include "earshot/fifo.hpp"
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "earshot/io.hpp"

namespace earshot {

struct LinkTimings {
  Duration connect_timeout = 30000;    // a new link must carry media within this
  Duration reconnect_give_up = 45000;  // a broken link is given up after this
  Duration ice_restart_grace = 2000;   // "disconnected" tolerated this long before an ICE restart
  Duration answer_timeout = 4000;      // an offer unanswered this long is sent again (then 2x, 4x; 3 times)
};

// A description or candidate to send to `to` over signaling (candidate: type == "candidate").
struct Outgoing {
  std::string to, type, sdp;
  nlohmann::json candidate;
  bool operator==(const Outgoing&) const = default;
};

namespace linkev {
struct Up { PeerId peer; std::string participant; };
struct Down { PeerId peer; std::string participant; std::string state; };
struct ConnectTimedOut { PeerId peer; std::string participant; };
struct GaveUp { PeerId peer; std::string participant; };
struct RestartDue { PeerId peer; std::string participant; };  // the impolite side should offer with iceRestart
struct Rebuilt { PeerId old_peer; PeerId peer; std::string participant; };  // their connection was replaced
struct Unavailable { std::string error; };                  // new RTCPeerConnection() threw
struct RelayUnreachable { int error_code; bool refused; };  // relay-only and no candidate gathered
}  // namespace linkev
using LinkEvent = std::variant<linkev::Up, linkev::Down, linkev::ConnectTimedOut, linkev::GaveUp, linkev::RestartDue,
                               linkev::Rebuilt, linkev::Unavailable, linkev::RelayUnreachable>;

class PeerLink {
 public:
  enum class Neg { Stable, MakingOffer, HaveLocalOffer, ApplyingRemoteOffer, MakingAnswer, ApplyingRemoteAnswer };
  PeerLink(PeerId id, std::string participant, bool polite) : id_(id), participant_(std::move(participant)), polite_(polite) {}
  PeerId id() const { return id_; }
  const std::string& participant() const { return participant_; }
  bool polite() const { return polite_; }
  const std::string& state() const { return state_; }
  // Connected as the browser says, and not interrupted by the other side's ICE restart (on_received).
  bool connected() const { return state_ == "connected" && !restarted_; }
  // Nothing negotiated yet: a link made ahead of time (at Join) may be handed to whoever comes first.
  bool untouched() const { return neg_ == Neg::Stable && !remote_set_ && generation_ == 0; }

 private:
  friend class PeerLinks;
  PeerId id_;
  std::string participant_;
  bool polite_;
  Neg neg_ = Neg::Stable;
  std::uint64_t generation_ = 0;
  bool remote_set_ = false;
  std::vector<nlohmann::json> pending_;
  std::string remote_fp_, pending_fp_;  // DTLS fingerprint in force / being applied
  std::string remote_ufrag_;            // the ICE username fragment of their last offer or answer
  bool restart_seen_ = false;           // they restarted ICE while our browser said "connected"...
  bool restarted_ = false;              // ... and no packets came in after it: down until they do
  double received_ = 0;                 // packets received as of the last stats sample
  std::string state_ = "new";
  bool relay_refused_ = false;
  int relay_error_ = 0;
  std::optional<Instant> connect_at_, restart_at_, give_up_at_;
  std::string local_offer_;             // the offer we sent, while it waits for an answer
  std::optional<Instant> answer_at_;    // when to send it again
  int offer_resends_ = 0;
};

class PeerLinks {
 public:
  explicit PeerLinks(Outbox& out) : out_(out) {}
  // RTCConfiguration for every new link ({iceServers, iceTransportPolicy}) and the timers.
  void configure(nlohmann::json configuration, LinkTimings timings);
#ifndef EARSHOT_SELFHOSTED_ONLY
  // New ICE servers (renewed TURN credentials) for the links made from now on and those there are.
  void set_ice_servers(nlohmann::json servers);
#endif

  PeerId open(const std::string& participant, bool polite);  // emits CreatePeer
  void arm_connect_deadline(PeerId, Instant now);
  // After a Down: the give-up deadline (once) and an ICE restart after the grace ("failed": at once).
  void arm_recovery(PeerId, Instant now);
  void close(PeerId);
  void close_all();
  void reassign(PeerId, const std::string& participant, bool polite);  // an untouched link to its first user
  PeerLink* find(PeerId);
  PeerLink* for_participant(std::string_view participant);
  const std::vector<PeerLink>& all() const { return links_; }
  bool any_connected() const;
  bool empty() const { return links_.empty(); }

  void offer(PeerId, bool ice_restart);
  // Signaling from the link's participant.
  void on_description(PeerId, const std::string& type, const std::string& sdp, Instant now);
  void on_candidate(PeerId, const nlohmann::json& candidate);
  // Driver results.
  void handle(const in::LocalDescriptionReady&, Instant now);
  void handle(const in::RemoteDescriptionApplied&);
  void handle(const in::NegotiationFailed&);
  void handle(const in::LocalCandidate&);
  void handle(const in::IceCandidateError&);
  void handle(const in::IceGatheringComplete&, bool relay_only);
  void handle(const in::PeerStateChanged&);
  // The packets a link has received so far (getStats, once a second): after the other side restarted
  // ICE, none arriving means the link is down (though the browser says "connected") until they do.
  void on_received(PeerId, double packets);
  // Hub relay: every link carries the mic mixed with every other link's audio (mix-minus).
  void relay_all();

  std::optional<Outgoing> poll_outgoing();
  std::optional<LinkEvent> poll_event();
  std::optional<Instant> poll_timeout() const;
  void pending(std::vector<struct PendingTimer>& out) const;  // named, for diagnostics
  void handle_timeout(Instant now);

 private:
  PeerLink* live(PeerId id, std::uint64_t generation);
  bool forget(PeerId id);  // drops the link's state; false when there was none
  PeerId rebuild(PeerLink&);
  void up(PeerLink&);

  Outbox& out_;
  nlohmann::json configuration_ = nlohmann::json::object();
  LinkTimings timings_;
  std::vector<PeerLink> links_;  // (a handful: pointers from find() are not kept across open())
  PeerId next_id_ = 1;
  Fifo<Outgoing> outgoing_;
  Fifo<LinkEvent> events_;
};

}  // namespace earshot
