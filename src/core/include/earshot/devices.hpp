// Your side of the audio: the microphone (permission, device, failures), the device lists, mute,
// your level and the "you are muted" hint. Owns nothing else.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "earshot/io.hpp"

namespace earshot {

enum class MicStatus { Pending, Granted, Denied, Missing, Failed };

struct DeviceState {
  MicStatus mic = MicStatus::Pending;
  std::string mic_device_id, mic_label;
  std::vector<Device> inputs, outputs;
  bool muted = false;
  bool self_speaking = false;
  bool speaking_while_muted = false;
  double local_level = 0;
  bool operator==(const DeviceState&) const = default;
};

class Devices {
 public:
  Devices(Outbox& out, double speaking_threshold) : out_(out), threshold_(speaking_threshold) {}
  const DeviceState& state() const { return s_; }
  bool granted() const { return s_.mic == MicStatus::Granted; }

  void acquire();  // asks for the chosen device (or the default)
  void release();  // lets go of a granted microphone
  // The results; each returns what the person must be told, if anything.
  void on(const in::MicGranted&);
  Failure on(const in::MicFailed&);
  std::optional<Failure> on(const in::DevicesChanged&, std::string* announcement);
  void on(const in::InputDeviceChosen&);
  std::optional<std::string> set_muted(bool muted);  // the announcement
  std::optional<std::string> on_level(double local);  // "You are muted. Press M to unmute." once

 private:
  Outbox& out_;
  double threshold_;
  DeviceState s_;
  int loud_while_muted_ = 0;
};

}  // namespace earshot
