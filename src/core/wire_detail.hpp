// wire.cpp and wire_snapshot.cpp share these JSON forms (not a public header).
#pragma once
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "earshot/io.hpp"

namespace earshot::wire::detail {
nlohmann::json devices_json(const std::vector<Device>& ds);
nlohmann::json participant_json(const std::optional<Participant>& p);
}  // namespace earshot::wire::detail
