// Your microphone, devices and mute (see devices.hpp).
#include "earshot/devices.hpp"

#include <algorithm>

#include "earshot/failures.hpp"

namespace earshot {

void Devices::acquire() {
  s_.mic = MicStatus::Pending;
  out_.push(fx::AcquireMic{s_.mic_device_id});
}

void Devices::release() {
  if (s_.mic != MicStatus::Granted) return;
  out_.push(fx::ReleaseMic{});
  s_.mic = MicStatus::Pending;
}

void Devices::on(const in::MicGranted& e) {
  s_.mic = MicStatus::Granted;
  s_.mic_device_id = e.device_id;
  s_.mic_label = e.label;
  if (s_.muted) out_.push(fx::SetMicEnabled{false});
}

Failure Devices::on(const in::MicFailed& e) {
  switch (e.error) {
    case MicError::Denied: s_.mic = MicStatus::Denied; return make_failure("mic.denied");
    case MicError::NotFound: s_.mic = MicStatus::Missing; return make_failure("mic.missing");
    case MicError::InUse: s_.mic = MicStatus::Failed; return make_failure("mic.in_use");
    case MicError::Other: break;
  }
  s_.mic = MicStatus::Failed;
  return make_failure("mic.failed", {{"detail", e.detail.empty() ? std::string() : " (" + utf8_prefix(e.detail, 120) + ")"}});
}

std::optional<Failure> Devices::on(const in::DevicesChanged& e, std::string* announcement) {
  s_.inputs = e.inputs;
  s_.outputs = e.outputs;
  if (s_.mic != MicStatus::Granted) return std::nullopt;
  if (e.inputs.empty()) {
    s_.mic = MicStatus::Missing;
    return Failure{"mic.missing", "Your microphone was disconnected and no other was found. Plug one in, then press Try again."};
  }
  const bool present = s_.mic_device_id.empty() || s_.mic_device_id == "default" ||
                       std::any_of(e.inputs.begin(), e.inputs.end(), [&](const Device& d) { return d.id == s_.mic_device_id; });
  if (!present) {
    const std::string gone = s_.mic_label.empty() ? "Your microphone" : s_.mic_label;
    s_.mic_device_id.clear();
    out_.push(fx::AcquireMic{""});
    *announcement = gone + " was unplugged; switched to the system default microphone.";
  }
  return std::nullopt;
}

void Devices::on(const in::InputDeviceChosen& e) {
  if (e.device_id != s_.mic_device_id) out_.push(fx::AcquireMic{e.device_id});
}

std::optional<std::string> Devices::set_muted(bool muted) {
  if (s_.muted == muted) return std::nullopt;
  s_.muted = muted;
  if (!muted) s_.speaking_while_muted = false;
  loud_while_muted_ = 0;
  if (s_.mic == MicStatus::Granted) out_.push(fx::SetMicEnabled{!muted});
  return std::string(muted ? "Microphone muted." : "Microphone on.");
}

std::optional<std::string> Devices::on_level(double local) {
  s_.local_level = std::clamp(local, 0.0, 1.0);
  const bool loud = s_.local_level > threshold_;
  s_.self_speaking = loud && !s_.muted;
  loud_while_muted_ = (loud && s_.muted) ? loud_while_muted_ + 1 : 0;
  const bool hint = loud_while_muted_ >= 3;  // ~300 ms of speech at 10 samples/s
  std::optional<std::string> say;
  if (hint && !s_.speaking_while_muted) say = "You are muted. Press M to unmute.";
  if (hint || !s_.muted || !loud) s_.speaking_while_muted = hint;
  return say;
}

}  // namespace earshot
