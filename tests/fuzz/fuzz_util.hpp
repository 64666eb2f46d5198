// Small helpers shared by the fuzz targets (not a target: tests/fuzz/CMakeLists.txt builds fuzz_*.cpp).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace earshot::fuzz {

// An invariant: a violation is a crash libFuzzer reports (with the input that caused it).
inline void check(bool ok) {
  if (!ok) __builtin_trap();
}

// UTF-8 as RFC 3629 has it (no overlongs, no surrogates, nothing past U+10FFFF); the code points
// go to `out` when given.
inline bool decode_utf8(std::string_view s, std::vector<char32_t>* out = nullptr) {
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < n; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (out) out->push_back(cp);
    i += n;
  }
  return true;
}

// What a browser's WebSocket hands over is always valid UTF-8: invalid bytes become U+FFFD.
inline std::string scrub_utf8(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = 1;
    while (n <= 4 && i + n <= s.size() && !decode_utf8(s.substr(i, n))) ++n;
    if (n <= 4 && i + n <= s.size()) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace earshot::fuzz
