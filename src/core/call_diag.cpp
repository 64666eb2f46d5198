// The call's diagnostics: getStats samples per peer link, the quality grade each participant shows,
// the timers pending with their names, and the JSON view (diagnostics.hpp holds the recorder).
#include "call_impl.hpp"

namespace earshot {

void Call::Impl::on(const in::LinkStats& e) {
#ifndef EARSHOT_SELFHOSTED_ONLY
  // A vendor SDK's connection: sampled while the session is live, named by the adapter's number.
  if (e.vendor) {
    if (!vendor || vendor->status() != VendorSession::Status::Live) return;
    auto it = std::find_if(vendor_links.begin(), vendor_links.end(), [&](const auto& v) { return v.first == e.peer; });
    if (it == vendor_links.end()) vendor_links.emplace_back(e.peer, e.participant);
    else it->second = e.participant;
    diag.sample(e.peer, e.sample, clock.mono);
    return;
  }
#endif
  if (!links.find(e.peer)) return;
  diag.sample(e.peer, e.sample, clock.mono);
  links.on_received(e.peer, e.sample.packets_received);
}

// The vendor SDK's connections we have stats of, as peers for the snapshot (or forgotten: `forget`).
void Call::Impl::vendor_peers([[maybe_unused]] std::vector<PeerView>& peers, [[maybe_unused]] bool forget) {
#ifndef EARSHOT_SELFHOSTED_ONLY
  if (forget) return vendor_links.clear();
  for (const auto& [id, who] : vendor_links) peers.push_back(PeerView{id, who, "connected", false});
#endif
}

// Each member's grade is that of our link to them (on vendor media: of the SDK connection that carries
// them, or carries everyone); links that are gone are forgotten.
void Call::Impl::grade_participants() {
  const auto known = [&](PeerId id) {
#ifndef EARSHOT_SELFHOSTED_ONLY
    for (const auto& v : vendor_links)
      if (v.first == id) return true;
#endif
    return links.find(id) != nullptr;
  };
  for (std::size_t i = diag.links().size(); i-- > 0;)
    if (!known(diag.links()[i].id)) diag.forget(diag.links()[i].id);
  for (const auto& m : roster.members()) {
    Quality q = Quality::Unknown;
    for (const auto& l : links.all())
      if (l.participant() == m.who.id)
        if (const auto* d = diag.link(l.id())) q = d->quality;
#ifndef EARSHOT_SELFHOSTED_ONLY
    for (const auto& [id, who] : vendor_links)
      if (who == m.who.id || who.empty())
        if (const auto* d = diag.link(id)) q = d->quality;
#endif
    roster.find(m.who.id)->quality = std::string(to_string(q));
  }
}

std::vector<PendingTimer> Call::Impl::pending_timers() const {
  std::vector<PendingTimer> out;
  static constexpr const char* kNames[] = {"give up reconnecting", "session expires"};
  static_assert(std::size(kNames) == kTimerCount);
  for (int t = 0; t < kTimerCount; ++t)
    if (timers[t]) out.push_back({kNames[t], *timers[t]});
  signaling.pending(out);
  links.pending(out);
  return out;  // in no particular order: the overlay sorts
}

std::string Call::diagnostics_json() const {
  return impl_->diag.to_json(snap_, impl_->pending_timers(), impl_->clock.mono);
}

}  // namespace earshot
