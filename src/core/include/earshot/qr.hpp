// QR codes for invite links (the IVS page shows its room's link as one), through Nayuki's QR Code
// generator (C version, compiled from source: cmake/qrcodegen.cmake). Pure: text in, modules out.
#pragma once
#include <string>
#include <string_view>

namespace earshot {

// The QR code of `text` (error correction M, boosted when it fits): one line per row, '1' for a dark
// module and '0' for a light one, rows separated by '\n', no quiet zone. Empty when the text does not
// fit in a QR code (more than 2,331 bytes at level M) or is empty.
std::string qr_rows(std::string_view text);

}  // namespace earshot
