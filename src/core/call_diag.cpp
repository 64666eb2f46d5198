// The call's diagnostics: getStats samples per peer link, the quality grade each participant shows,
// the timers pending with their names, and the JSON view (diagnostics.hpp holds the recorder).
#include "call_impl.hpp"

namespace earshot {

void Call::Impl::on(const in::LinkStats& e) {
  if (links.find(e.peer)) diag.sample(e.peer, e.sample, clock.mono);
}

// Each member's grade is that of our link to them; links that are gone are forgotten.
void Call::Impl::grade_participants() {
  for (std::size_t i = diag.links().size(); i-- > 0;)
    if (!links.find(diag.links()[i].id)) diag.forget(diag.links()[i].id);
  for (const auto& m : roster.members()) {
    Quality q = Quality::Unknown;
    for (const auto& l : links.all())
      if (l.participant() == m.who.id)
        if (const auto* d = diag.link(l.id())) q = d->quality;
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
