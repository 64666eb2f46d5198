// src/wasm/tiny_libc.c replaces snprintf/strtod in the wasm build to save size. Natively the same
// functions are plain symbols, so they are checked here against glibc over the inputs they serve.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

extern "C" {
int __wrap_snprintf(char* buf, size_t size, const char* fmt, ...);
double __wrap_strtod(const char* s, char** endp);
}

TEST(TinyLibc, SnprintfMatchesGlibcForTheIntegerAndStringFormsTheCoreUses) {
  char a[128], b[128];
  auto same = [&](int ra, int rb) {
    EXPECT_EQ(ra, rb);
    EXPECT_STREQ(a, b);
  };
  same(__wrap_snprintf(a, sizeof a, "%02d:%02d (UTC)", 7, 5), std::snprintf(b, sizeof b, "%02d:%02d (UTC)", 7, 5));
  same(__wrap_snprintf(a, sizeof a, "%04d-%02d-%02dT%02d:%02d:%02dZ", 2027, 1, 15, 8, 0, 9),
       std::snprintf(b, sizeof b, "%04d-%02d-%02dT%02d:%02d:%02dZ", 2027, 1, 15, 8, 0, 9));
  same(__wrap_snprintf(a, sizeof a, "\\u%04x", 0x1f), std::snprintf(b, sizeof b, "\\u%04x", 0x1f));
  same(__wrap_snprintf(a, sizeof a, "%lld|%llu|%-5s|%5s|%.2s|%x|%X|%c|%%", -9007199254740993LL, 18446744073709551615ULL, "ab", "cd", "xyz", 255u, 255u, 'q'),
       std::snprintf(b, sizeof b, "%lld|%llu|%-5s|%5s|%.2s|%x|%X|%c|%%", -9007199254740993LL, 18446744073709551615ULL, "ab", "cd", "xyz", 255u, 255u, 'q'));
  // truncation: same return value (the would-be length), same prefix, always terminated
  same(__wrap_snprintf(a, 5, "%d-%s", 123456, "tail"), std::snprintf(b, 5, "%d-%s", 123456, "tail"));
}

// Measured bounds: exact on the fast path; <= 2 ulp for the magnitudes JSON carries here (levels,
// timestamps, TTLs: |exponent| <= 30); error grows with |exponent| to ~5 ulp near 1e±300.
TEST(TinyLibc, StrtodIsExactOnTheFastPathAndCloseElsewhere) {
  const char* exact[] = {"0", "-0", "1", "0.5", "0.25", "1800000000000", "3600", "0.3", "0.02", "1e22", "-12.5e-3",
                         "123456789012345", "9007199254740991", "1.5E+3"};
  for (const char* s : exact) {
    char *ea, *eb;
    EXPECT_EQ(__wrap_strtod(s, &ea), std::strtod(s, &eb)) << s;
    EXPECT_EQ(ea, eb) << s;
  }
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> mant(-1, 1);
  std::uniform_int_distribution<int> ex(-300, 300);
  for (int i = 0; i < 20000; ++i) {
    char s[64];
    const int e = ex(rng);
    std::snprintf(s, sizeof s, "%.17ge%d", mant(rng), e);
    const double want = std::strtod(s, nullptr), got = __wrap_strtod(s, nullptr);
    if (want == 0 || std::isinf(want) || std::fpclassify(want) == FP_SUBNORMAL) continue;
    const double ulp = std::fabs(std::nextafter(want, 0) - want);
    EXPECT_LE(std::fabs(got - want), (std::abs(e) <= 30 ? 2 : 8) * ulp) << s;
  }
  char* end;
  EXPECT_EQ(__wrap_strtod("abc", &end), 0.0);
  EXPECT_STREQ(end, "abc") << "no digits: nothing consumed";
  __wrap_strtod("12e", &end);
  EXPECT_STREQ(end, "e") << "a dangling exponent is not consumed";
}
