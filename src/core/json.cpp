#include "earshot/json.hpp"

namespace earshot {

std::string json_string(const nlohmann::json& j, const char* key) {
  auto it = j.is_object() ? j.find(key) : j.end();
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace earshot
