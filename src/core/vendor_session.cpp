// The vendor media plane (see vendor_session.hpp).
#include "earshot/vendor_session.hpp"

namespace earshot {

void VendorSession::load() {
  if (loaded_) return;
  loaded_ = true;
  out_.push(fx::LoadVendor{vendor_});
}

void VendorSession::start(const nlohmann::json& join) {
  load();
  status_ = Status::Starting;
  out_.push(fx::StartVendor{vendor_, join});
}

void VendorSession::set_muted(bool muted) {
  if (status_ == Status::Starting || status_ == Status::Live) out_.push(fx::SetVendorMuted{muted});
}

void VendorSession::stop() {
  if (status_ != Status::Starting && status_ != Status::Live) return;
  status_ = Status::Stopped;
  out_.push(fx::StopVendor{});
}

bool VendorSession::on(const in::VendorStarted&) {
  if (status_ != Status::Starting) return false;
  status_ = Status::Live;
  return true;
}

bool VendorSession::on(const in::VendorStopped&) {
  const bool running = status_ == Status::Starting || status_ == Status::Live;
  status_ = Status::Stopped;
  return running;
}

}  // namespace earshot
