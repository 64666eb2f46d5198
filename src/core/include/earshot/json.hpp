// The one way the core and the driver parse JSON text: strict, no exceptions, discarded on error.
// One entry point means one instantiation of nlohmann's parser and lexer (per input type, and with or
// without a callback, each is another ~4 KB of wasm), so every caller goes through here.
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace earshot {

// The value, or a value with is_discarded() true when `text` is not exactly one JSON value.
nlohmann::json parse_json_text(std::string_view text);

// j[key] when `j` is an object and that member is a string; "" otherwise.
std::string json_string(const nlohmann::json& j, const char* key);

}  // namespace earshot
