// A first-in first-out queue over one vector. The core's queues (effects, events, frames) hold a
// handful of items and are drained after every input; a vector costs a fraction of std::deque's code
// in the browser build, where every instantiation is paid for in the room page's bytes.
#pragma once
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace earshot {

template <class T>
class Fifo {
 public:
  void push_back(T v) { items_.push_back(std::move(v)); }
  template <class... A>
  void emplace_back(A&&... a) { items_.emplace_back(std::forward<A>(a)...); }
  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  T& front() { return items_[head_]; }
  // Spent items are dropped when the queue drains, which every owner does after each input.
  void pop_front() {
    if (++head_ == items_.size()) clear();
  }
  // The oldest item, moved out; nothing when empty (what every poll_* of the core returns).
  std::optional<T> take() {
    if (empty()) return std::nullopt;
    T v = std::move(items_[head_]);
    pop_front();
    return v;
  }
  void clear() {
    items_.clear();
    head_ = 0;
  }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;
};

}  // namespace earshot
