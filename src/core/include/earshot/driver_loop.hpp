// The driver contract as runnable code, written once and used by the browser driver, the simulation,
// the fuzzers and the tests: feed one input (or a timer firing), drain every effect into `perform`,
// queue whatever is fed while draining (re-entrancy: a result learnt synchronously is handled after
// the current drain, never inside it), then hand the next wake-up to `arm`.
#pragma once
#include "earshot/fifo.hpp"
#include <optional>
#include <utility>

namespace earshot {

template <class Core, class Input>
class DriverLoop {
 public:
  explicit DriverLoop(Core& core) : core_(&core) {}
  void rebind(Core& core) { core_ = &core; }

  // now() -> the core's time type; perform(const Effect&); arm(std::optional<Instant>).
  template <class Now, class Perform, class Arm>
  void feed(std::optional<Input> input, Now&& now, Perform&& perform, Arm&& arm) {
    pending_.push_back(std::move(input));
    if (busy_) return;
    busy_ = true;
    while (!pending_.empty()) {
      std::optional<Input> next = std::move(pending_.front());
      pending_.pop_front();
      if (next) core_->handle(*next, now());
      else core_->handle_timeout(now());
      while (auto effect = core_->poll_effect()) perform(*effect);
    }
    busy_ = false;
    arm(core_->poll_timeout());
  }
  bool busy() const { return busy_; }

 private:
  Core* core_;
  Fifo<std::optional<Input>> pending_;
  bool busy_ = false;
};

}  // namespace earshot
