// See qr.hpp.
#include "earshot/qr.hpp"

#include <vector>

extern "C" {
#include "qrcodegen.h"
}

namespace earshot {

std::string qr_rows(std::string_view text) {
  if (text.empty() || text.size() > 2331) return {};
  const std::string z(text);  // the C API wants a NUL-terminated string
  if (z.find('\0') != std::string::npos) return {};
  std::vector<uint8_t> temp(qrcodegen_BUFFER_LEN_MAX), code(qrcodegen_BUFFER_LEN_MAX);
  if (!qrcodegen_encodeText(z.c_str(), temp.data(), code.data(), qrcodegen_Ecc_MEDIUM, qrcodegen_VERSION_MIN,
                            qrcodegen_VERSION_MAX, qrcodegen_Mask_AUTO, true))
    return {};
  const int n = qrcodegen_getSize(code.data());
  std::string rows;
  rows.reserve(static_cast<std::size_t>(n) * (n + 1));
  for (int y = 0; y < n; ++y) {
    if (y) rows += '\n';
    for (int x = 0; x < n; ++x) rows += qrcodegen_getModule(code.data(), x, y) ? '1' : '0';
  }
  return rows;
}

}  // namespace earshot
