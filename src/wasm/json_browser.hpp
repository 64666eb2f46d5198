// The pages' JSON (json_browser.cpp): nlohmann values to and from the browser's own JSON.
#pragma once
#include <string_view>

#include <emscripten/val.h>

#include "earshot/json.hpp"

namespace earshot::web {

// parse_json_text and json_text as the pages define them (the simulation module calls them by these
// names, next to nlohmann's, to compare the two).
nlohmann::json parse_json_in_browser(std::string_view text);
std::string json_text_in_browser(const nlohmann::json& j);

// `j` as a JavaScript value. `bare`: objects without a prototype, so that a "__proto__" member stays a
// member (for JSON.stringify); otherwise plain objects (for the browser APIs the driver calls).
emscripten::val json_to_js(const nlohmann::json& j, bool bare = false);

}  // namespace earshot::web
