// Generation-checked handle table for browser objects (RTCPeerConnection, WebSocket, MediaStream,
// in-flight promises). JS callbacks carry a handle id; a callback whose object was released finds a
// stale id and is dropped, so no callback ever reaches a destroyed object.
#pragma once
#include <cstdint>
#include <vector>

#include <emscripten/val.h>

namespace earshot::web {

enum class Kind : std::uint8_t { Free, Peer, Socket, Fetch, MicRequest, Mic, Negotiation, Timer, Interval, Devices, Play, Audio };

struct Slot {
  emscripten::val object = emscripten::val::undefined();
  std::uint16_t generation = 1;
  Kind kind = Kind::Free;
  std::uint64_t tag = 0;    // the core's id for this object (request id, link id, negotiation generation...)
  std::uint32_t owner = 0;  // handle this one depends on (a negotiation depends on its peer); 0 = none
  int number = 0;           // scratch: HTTP status, step...
};

class HandleTable {
 public:
  using Id = std::uint32_t;  // (generation << 16) | index; 0 is never a valid id

  Id add(emscripten::val object, Kind kind, std::uint64_t tag = 0, Id owner = 0) {
    std::uint32_t index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    } else {
      index = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    Slot& s = slots_[index];
    s.object = std::move(object);
    s.kind = kind;
    s.tag = tag;
    s.owner = owner;
    s.number = 0;
    return (static_cast<Id>(s.generation) << 16) | index;
  }

  // The live slot for `id`, or nullptr when it was released (or its owner was).
  Slot* find(Id id) {
    const std::uint32_t index = id & 0xffff;
    if (id == 0 || index >= slots_.size()) return nullptr;
    Slot& s = slots_[index];
    if (s.kind == Kind::Free || s.generation != (id >> 16)) return nullptr;
    if (s.owner != 0 && find(s.owner) == nullptr) return nullptr;
    return &s;
  }

  void release(Id id) {
    if (Slot* s = find_exact(id)) {
      s->object = emscripten::val::undefined();
      s->kind = Kind::Free;
      s->generation = static_cast<std::uint16_t>(s->generation == 0xffff ? 1 : s->generation + 1);
      free_.push_back(id & 0xffff);
    }
  }

  std::size_t live() const {
    std::size_t n = 0;
    for (const Slot& s : slots_) n += s.kind != Kind::Free;
    return n;
  }

 private:
  Slot* find_exact(Id id) {
    const std::uint32_t index = id & 0xffff;
    if (id == 0 || index >= slots_.size()) return nullptr;
    Slot& s = slots_[index];
    return (s.kind == Kind::Free || s.generation != (id >> 16)) ? nullptr : &s;
  }
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
};

}  // namespace earshot::web
