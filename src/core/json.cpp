#include "earshot/json.hpp"

namespace earshot {

nlohmann::json parse_json_text(std::string_view text) {
  // No callback: nlohmann's callback parser is never instantiated. Strict: trailing bytes are an error.
  nlohmann::json result;
  nlohmann::detail::json_sax_dom_parser<nlohmann::json> sax(result, /*allow_exceptions=*/false);
  const char* first = text.data();
  if (!nlohmann::json::sax_parse(first, first + text.size(), &sax) || sax.is_errored()) {
    return nlohmann::json(nlohmann::json::value_t::discarded);
  }
  return result;
}

std::string json_string(const nlohmann::json& j, const char* key) {
  auto it = j.is_object() ? j.find(key) : j.end();
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace earshot
