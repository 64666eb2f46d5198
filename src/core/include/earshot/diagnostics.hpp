// Diagnostics: what the call has been doing, for whoever helps when a call sounds bad or will not
// connect (the Dear ImGui overlay, a report copied for support), and the connection-quality grade
// the room page shows per participant. A recorder, owning nothing the call decides with: the call
// tells it what happened (state changes, effects performed, failures, announcements, warnings) and
// hands it the driver's once-a-second getStats samples; it keeps bounded histories and derives per
// peer link the loss, jitter, round-trip time, bitrates and a grade.
//
// It never holds a secret: effects are kept by kind and ids, URLs without their query string, and
// no SDP, candidate, token, TURN credential or signature is recorded.
#pragma once
#include <string>
#include <vector>

#include "earshot/io.hpp"

namespace earshot {

struct Snapshot;

enum class Quality { Unknown, Good, Fair, Poor };
std::string_view to_string(Quality q);

// One second of a peer link, derived from two consecutive samples.
struct LinkPoint {
  Instant at = 0;          // monotonic
  double rtt_ms = -1;      // -1: unknown
  double jitter_ms = -1;
  double loss_pct = 0;     // of the packets that should have arrived in the interval
  double kbps_in = 0, kbps_out = 0;
  double level = 0;        // audio level received, 0..1
};

// Thresholds for the grade, over the last few points (ITU-T G.114 puts one-way delay trouble past
// ~150 ms; Opus conceals a few percent of loss; jitter buffers absorb tens of ms).
struct QualityRules {
  int window = 5;                 // points averaged
  double good_loss_pct = 2, good_jitter_ms = 30, good_rtt_ms = 300;
  double poor_loss_pct = 8, poor_jitter_ms = 80, poor_rtt_ms = 800;
};
Quality grade(const std::vector<LinkPoint>& points, const QualityRules& rules = {});

struct PendingTimer {
  std::string name;  // "give up reconnecting", "peer 2: connect deadline", ...
  Instant at = 0;    // monotonic
};

class Diagnostics {
 public:
  static constexpr std::size_t kSeconds = 60;   // plotted history per link
  static constexpr std::size_t kEntries = 100;  // each log keeps this many, newest last

  struct Entry {
    Instant at = 0;         // monotonic
    std::string_view kind;  // a literal: "failure", "http", a state's name...
    std::string text;
  };
  // The last kEntries entries: a ring, oldest first from `next` once full.
  struct Ring {
    std::vector<Entry> items;
    std::size_t next = 0;
    void add(Entry e);
    template <class F>
    void each(F f) const {
      for (std::size_t i = 0; i < items.size(); ++i) f(items[(next + i) % items.size()]);
    }
  };
  struct Link {
    PeerId id = 0;
    in::LinkSample last;
    Instant last_at = 0;
    bool sampled = false;
    std::vector<LinkPoint> points;
    Quality quality = Quality::Unknown;
  };

  void state(Instant at, CallState from, CallState to);
  void effect(Instant at, const Effect& e);
  void failure(Instant at, const Failure& f);
  void note(Instant at, const std::string& text);
  void warning(Instant at, const std::string& what);
  // A getStats sample of a peer link; returns the link's grade after it.
  Quality sample(PeerId peer, const in::LinkSample& s, Instant at);
  void forget(PeerId peer);

  const std::vector<Link>& links() const { return links_; }
  const Link* link(PeerId peer) const;

  // The whole view as JSON (the overlay's and the support report's one source); `now` is monotonic.
  std::string to_json(const Snapshot& snap, const std::vector<PendingTimer>& timers, Instant now) const;

 private:
  Ring states_, effects_, log_;
  std::vector<Link> links_;
};

// "https://host/path" of a URL: what a log may show of it (no query: presigned URLs carry signatures).
std::string without_query(std::string_view url);

}  // namespace earshot
