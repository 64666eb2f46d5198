// The one way the core and the driver turn JSON text into values and back. Values are nlohmann::json
// everywhere; these two functions are the only places text is read or written, so each has one
// instantiation (nlohmann's parser and lexer, per input type and callback, are ~4 KB of wasm each).
//
// Two definitions, one contract. Natively (tests, fuzzers, the simulation) they are nlohmann's parser
// and serializer (json_nlohmann.cpp). On the room pages they are src/wasm/json_browser.cpp: the
// browser's own JSON.parse and JSON.stringify, walked from and into the same nlohmann::json, which keeps
// nlohmann's lexer, parser and serializer (~6 KB brotli) off the page. tests/wasm/json.test.mjs holds
// the two to the same answers. The only differences, by design, are in numbers (JavaScript has only
// doubles): on the page "1.0" and "1e2" read as the integers 1 and 100, an integer beyond 2^53 reads and
// is written as the nearest double, and a double that is whole is written without ".0". Both refuse
// nesting deeper than kMaxJsonDepth.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace earshot {

// Objects and arrays nested deeper than this are refused (no frame of any backend comes near it).
constexpr std::size_t kMaxJsonDepth = 64;

// The value, or a value with is_discarded() true when `text` is not exactly one JSON value (in UTF-8,
// optionally after a byte-order mark) nested at most kMaxJsonDepth deep.
nlohmann::json parse_json_text(std::string_view text);

// `j` as compact JSON text (no spaces). Invalid UTF-8 in a string is written as U+FFFD, never refused.
std::string json_text(const nlohmann::json& j);

// j[key] when `j` is an object and that member is a string; "" otherwise.
std::string json_string(const nlohmann::json& j, const char* key);

}  // namespace earshot
