/* Size-only replacements for three libc routines in the wasm build (saves ~20 KB of earshot.wasm,
 * ~7 KB brotli: musl's printf core and floatscan pull in software long double arithmetic).
 * Linked with -Wl,--wrap=<name> (see CMakeLists.txt), so the core's and nlohmann's calls land here and
 * musl's versions are never referenced (defining the libc names directly clashes under LTO).
 * Scope, checked against every caller in the core and nlohmann/json 3.11:
 *   snprintf/vsnprintf: flags '-', '0', width, precision, length h/l/ll/z/j; conversions d i u x X c s p %.
 *     Floating-point conversions are not used by any caller and print "?".
 *   strtod: decimal only (what JSON numbers are); correctly rounded on the fast path (<= 15 digits,
 *     |exponent| <= 22), within an ulp or two otherwise, which is ample for levels and timestamps. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

static void put(char** out, char* end, char c, size_t* n) {
  if (*out < end) *(*out)++ = c;
  ++*n;
}

int __wrap_vsnprintf(char* restrict buf, size_t size, const char* restrict fmt, va_list ap) {
  char* out = buf;
  char* end = size ? buf + size - 1 : buf;
  size_t n = 0;
  for (; *fmt; ++fmt) {
    if (*fmt != '%') { put(&out, end, *fmt, &n); continue; }
    ++fmt;
    int left = 0, zero = 0, width = 0, prec = -1, lng = 0;
    for (;; ++fmt) {
      if (*fmt == '-') left = 1;
      else if (*fmt == '0') zero = 1;
      else if (*fmt == '+' || *fmt == ' ' || *fmt == '#') {}
      else break;
    }
    if (*fmt == '*') { width = va_arg(ap, int); ++fmt; }
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    if (*fmt == '.') {
      ++fmt; prec = 0;
      if (*fmt == '*') { prec = va_arg(ap, int); ++fmt; }
      while (*fmt >= '0' && *fmt <= '9') prec = prec * 10 + (*fmt++ - '0');
    }
    while (*fmt == 'h' || *fmt == 'l' || *fmt == 'z' || *fmt == 'j' || *fmt == 't') { if (*fmt != 'h') ++lng; ++fmt; }
    char tmp[24];
    const char* s = tmp;
    int len = 0, neg = 0;
    char c = *fmt;
    if (c == 'd' || c == 'i' || c == 'u' || c == 'x' || c == 'X' || c == 'p') {
      uint64_t v;
      if (c == 'd' || c == 'i') {
        int64_t sv = lng >= 2 ? va_arg(ap, long long) : lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
        neg = sv < 0;
        v = neg ? (uint64_t)0 - (uint64_t)sv : (uint64_t)sv;
      } else if (c == 'p') {
        v = (uintptr_t)va_arg(ap, void*);
      } else {
        v = lng >= 2 ? va_arg(ap, unsigned long long) : lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
      }
      const char* digits = c == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
      unsigned base = (c == 'x' || c == 'X' || c == 'p') ? 16 : 10;
      char* p = tmp + sizeof tmp;
      do { *--p = digits[v % base]; v /= base; } while (v);
      len = (int)(tmp + sizeof tmp - p);
      s = p;
      int pad_digits = prec > len ? prec - len : 0;
      int total = len + pad_digits + neg;
      char fill = (zero && !left && prec < 0) ? '0' : ' ';
      if (!left && fill == ' ') for (int i = total; i < width; ++i) put(&out, end, ' ', &n);
      if (neg) put(&out, end, '-', &n);
      if (!left && fill == '0') for (int i = total; i < width; ++i) put(&out, end, '0', &n);
      for (int i = 0; i < pad_digits; ++i) put(&out, end, '0', &n);
      for (int i = 0; i < len; ++i) put(&out, end, s[i], &n);
      if (left) for (int i = total; i < width; ++i) put(&out, end, ' ', &n);
      continue;
    }
    if (c == 's') { s = va_arg(ap, const char*); if (!s) s = "(null)"; while (s[len] && (prec < 0 || len < prec)) ++len; }
    else if (c == 'c') { tmp[0] = (char)va_arg(ap, int); len = 1; }
    else if (c == '%') { tmp[0] = '%'; len = 1; }
    else if (c == 'f' || c == 'g' || c == 'e' || c == 'F' || c == 'G' || c == 'E' || c == 'a') { (void)va_arg(ap, double); tmp[0] = '?'; len = 1; }
    else if (!c) break;
    else { tmp[0] = c; len = 1; }
    if (!left) for (int i = len; i < width; ++i) put(&out, end, ' ', &n);
    for (int i = 0; i < len; ++i) put(&out, end, s[i], &n);
    if (left) for (int i = len; i < width; ++i) put(&out, end, ' ', &n);
  }
  if (size) *out = 0;
  return (int)n;
}

int __wrap_snprintf(char* restrict buf, size_t size, const char* restrict fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = __wrap_vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

double __wrap_strtod(const char* restrict s, char** restrict endp) {
  static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const char* p = s;
  while (*p == ' ' || (*p >= '\t' && *p <= '\r')) ++p;
  int neg = 0;
  if (*p == '-' || *p == '+') neg = *p++ == '-';
  uint64_t mant = 0;
  int digits = 0, exp10 = 0, any = 0;
  for (; *p >= '0' && *p <= '9'; ++p, any = 1) {
    if (digits < 19) { mant = mant * 10 + (uint64_t)(*p - '0'); if (mant) ++digits; } else ++exp10;
  }
  if (*p == '.') {
    for (++p; *p >= '0' && *p <= '9'; ++p, any = 1) {
      if (digits < 19) { mant = mant * 10 + (uint64_t)(*p - '0'); if (mant) ++digits; --exp10; }
    }
  }
  if (!any) { if (endp) *endp = (char*)s; return 0.0; }
  if (*p == 'e' || *p == 'E') {
    const char* q = p + 1;
    int eneg = 0, e = 0, edig = 0;
    if (*q == '-' || *q == '+') eneg = *q++ == '-';
    for (; *q >= '0' && *q <= '9'; ++q, ++edig) if (e < 100000) e = e * 10 + (*q - '0');
    if (edig) { exp10 += eneg ? -e : e; p = q; }
  }
  if (endp) *endp = (char*)p;
  double v = (double)mant;
  if (v != 0.0) {
    while (exp10 > 22) { v *= 1e22; exp10 -= 22; if (v > 1.7976931348623157e308) break; }
    while (exp10 < -22) { v /= 1e22; exp10 += 22; if (v == 0.0) break; }
    v = exp10 >= 0 ? v * pow10[exp10] : v / pow10[-exp10];
  }
  return neg ? -v : v;
}

float __wrap_strtof(const char* restrict s, char** restrict endp) { return (float)__wrap_strtod(s, endp); }
