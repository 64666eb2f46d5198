// The vendor media plane: a vendor SDK (Chime, IVS) owns the media; the core loads its adapter, starts
// it with the backend's join JSON, mutes and stops it, and reads back its status. The roster the SDK
// reports goes to the Roster. Owns the vendor session and nothing else.
#pragma once
#include <string>

#include "earshot/io.hpp"

namespace earshot {

class VendorSession {
 public:
  enum class Status { Idle, Starting, Live, Stopped };
  VendorSession(Outbox& out, std::string vendor) : out_(out), vendor_(std::move(vendor)) {}
  Status status() const { return status_; }
  const std::string& vendor() const { return vendor_; }

  void load();                               // fetch the adapter now (after the pre-join paints)
  void start(const nlohmann::json& join);    // StartVendor
  void set_muted(bool muted);
  void stop();                               // StopVendor when running
  bool on(const in::VendorStarted&);         // true: it went live now
  bool on(const in::VendorStopped&);         // true: it was running (or starting)

 private:
  Outbox& out_;
  std::string vendor_;
  Status status_ = Status::Idle;
  bool loaded_ = false;
};

}  // namespace earshot
