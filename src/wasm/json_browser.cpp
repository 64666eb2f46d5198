// parse_json_text and json_text on the room pages (earshot/json.hpp): the browser's JSON.parse reads
// the text, and a walk builds the same nlohmann::json the core gets natively (src/core/json_nlohmann.cpp);
// a walk the other way builds a JavaScript value for JSON.stringify to write. The browser's JSON is
// native code already on the page; nlohmann's lexer, parser and serializer were ~6 KB brotli of it.
//
// What keeps the two parsers' answers the same (tests/wasm/json.test.mjs compares them on a corpus and
// on thousands of mutated inputs):
// - nlohmann reads UTF-8 bytes and refuses invalid UTF-8; JSON.parse reads a JS string. So the text must
//   be strict UTF-8 before it crosses (else the conversion would quietly substitute U+FFFD), and no
//   string in it may hold a lone surrogate (JSON.parse accepts "\ud800"; nlohmann refuses it).
// - nlohmann reads a NUL byte as the end of the input (inside a string it is an error): so the text is
//   cut at its first NUL here, and UTF8ToString would stop there anyway.
// - nlohmann skips a leading byte-order mark; JSON.parse does not: skipped here.
// - 1e400 is Infinity to JSON.parse and an overflow error to nlohmann: refused here.
// - Nesting deeper than kMaxJsonDepth is refused by both.
// Writing: strings cross as UTF-8 and are decoded with U+FFFD for invalid bytes (nlohmann's "replace").
// Numbers are the one difference, by design: JavaScript has only doubles, so a whole number within
// 2^53 becomes an integer (unsigned when not negative, as nlohmann reads "1" and "-1") and anything
// else a double. "1.0" thus reads as the integer 1, "-0.0" as 0, and 2^64-1 as 1.8446744073709552e19; written, the
// double 1.0 is "1" (nlohmann: "1.0"), and an integer beyond 2^53 is written as the nearest double.
#include <cmath>

#include <emscripten.h>
#include <emscripten/val.h>

#include "json_browser.hpp"

namespace earshot::web {
namespace {

using emscripten::val;
using nlohmann::json;

// JSON.parse of the n bytes at p (strict UTF-8, no NUL); undefined when it is not JSON or a string or a
// key in it holds a lone surrogate ("\ud800" is JSON to the browser, not to nlohmann; and embind would
// fold it into the next character on the way to UTF-8). encodeURIComponent throws on exactly those.
EM_JS(emscripten::EM_VAL, earshot_json_parse, (const char* p, size_t n), {
  try {
    return Emval.toHandle(JSON.parse(UTF8ToString(p, n), function(k, v) {
      encodeURIComponent(k);
      if (typeof v == "string") encodeURIComponent(v);
      return v;
    }));
  } catch (e) {
    return Emval.toHandle(undefined);
  }
});
// 0 null, 1 boolean, 2 number, 3 string, 4 array, 5 object (what JSON.parse can return).
EM_JS(int, earshot_json_kind, (emscripten::EM_VAL h), {
  var v = Emval.toValue(h);
  return v === null ? 0 : typeof v == "boolean" ? 1 : typeof v == "number" ? 2 : typeof v == "string" ? 3 : Array.isArray(v) ? 4 : 5;
});

// The length of the strict UTF-8 sequence at s[i] (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF), or 0 when there is none.
std::size_t utf8_at(std::string_view s, std::size_t i) {
  const unsigned c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  const std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
  if (c < 0xC2 || c > 0xF4 || s.size() - i < n) return 0;
  unsigned cp = c & (0x3F >> (n - 1));
  for (std::size_t k = 1; k < n; ++k) {
    const unsigned b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (b & 0x3F);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return n;
}

// `s`, each byte that starts no valid sequence written as U+FFFD; whether it was valid already.
bool to_utf8(std::string_view s, std::string* out) {
  bool valid = true;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_at(s, i);
    if (n == 0) valid = false;
    if (out) out->append(n ? s.substr(i, n) : std::string_view("\xEF\xBF\xBD"));
    i += n ? n : 1;
  }
  return valid;
}

bool build(const val& v, json& out, std::size_t depth) {
  const int kind = earshot_json_kind(v.as_handle());
  switch (kind) {
    case 0: out = nullptr; return true;
    case 1: out = v.as<bool>(); return true;
    case 2: {
      const double d = v.as<double>();
      if (!std::isfinite(d)) return false;
      if (std::fabs(d) < 9007199254740992.0 && d == std::trunc(d)) {
        if (d >= 0) out = static_cast<std::uint64_t>(d);
        else out = static_cast<std::int64_t>(d);
      } else {
        out = d;
      }
      return true;
    }
    case 3: out = v.as<std::string>(); return true;
    default: break;
  }
  if (depth >= kMaxJsonDepth) return false;
  if (kind == 4) {
    out = json::array();
    const unsigned n = v["length"].as<unsigned>();
    for (unsigned i = 0; i < n; ++i)
      if (!build(v[i], out.emplace_back(), depth + 1)) return false;
    return true;
  }
  out = json::object();
  const val keys = val::global("Object").call<val>("keys", v);
  const unsigned n = keys["length"].as<unsigned>();
  for (unsigned i = 0; i < n; ++i) {
    const val key = keys[i];
    if (!build(v[key], out[key.as<std::string>()], depth + 1)) return false;
  }
  return true;
}

}  // namespace

json parse_json_in_browser(std::string_view text) {
  text = text.substr(0, text.find('\0'));
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  json result;
  if (to_utf8(text, nullptr)) {
    const val v = val::take_ownership(earshot_json_parse(text.data(), text.size()));
    if (!v.isUndefined() && build(v, result, 0)) return result;
  }
  return json(json::value_t::discarded);
}

val json_to_js(const json& j, bool bare) {
  switch (j.type()) {
    case json::value_t::boolean: return val(j.get<bool>());
    case json::value_t::number_integer: return val(static_cast<double>(j.get<std::int64_t>()));
    case json::value_t::number_unsigned: return val(static_cast<double>(j.get<std::uint64_t>()));
    case json::value_t::number_float: return val(j.get<double>());
    case json::value_t::string: {
      const std::string& s = j.get_ref<const std::string&>();
      if (to_utf8(s, nullptr)) return val(s);
      std::string repaired;  // as nlohmann's "replace" writes it, whatever the page's UTF-8 decoder would do
      to_utf8(s, &repaired);
      return val(repaired);
    }
    case json::value_t::array: {
      val a = val::array();
      for (const json& e : j) a.call<void>("push", json_to_js(e, bare));
      return a;
    }
    case json::value_t::object: {
      val o = bare ? val::global("Object").call<val>("create", val::null()) : val::object();
      for (auto it = j.begin(); it != j.end(); ++it) o.set(it.key(), json_to_js(it.value(), bare));
      return o;
    }
    default: return val::null();  // null (and nothing else reaches here: no binary values, no discarded ones)
  }
}

std::string json_text_in_browser(const json& j) {
  return val::global("JSON").call<std::string>("stringify", json_to_js(j, /*bare=*/true));
}

}  // namespace earshot::web

#ifndef EARSHOT_JSON_BROWSER_HELPER_ONLY
// The pages' definitions of the core's two (the simulation module keeps nlohmann's, and compares).
nlohmann::json earshot::parse_json_text(std::string_view text) { return web::parse_json_in_browser(text); }
std::string earshot::json_text(const nlohmann::json& j) { return web::json_text_in_browser(j); }
#endif
