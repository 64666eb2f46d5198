// libFuzzer target: the text decoders (uri_decode, base64_decode, base64url_decode) on arbitrary bytes,
// checking that whatever they accept round-trips through the matching encoder.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "earshot/crypto.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace earshot::crypto;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  for (const bool form : {false, true}) {
    if (const auto decoded = uri_decode(input, form)) {
      if (uri_decode(uri_encode(*decoded), form) != *decoded) std::abort();
    }
  }
  // The decoders accept only canonical text, so decode-then-encode gives the input back.
  if (const auto decoded = base64_decode(input)) {
    if (base64_encode(*decoded) != input) std::abort();
  }
  if (const auto decoded = base64url_decode(input)) {
    std::string unpadded(input);
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    if (base64url_encode(*decoded) != unpadded) std::abort();
  }
  // And any bytes survive encode-then-decode.
  if (base64_decode(base64_encode(input)) != input) std::abort();
  if (base64url_decode(base64url_encode(input)) != input) std::abort();
  if (uri_decode(uri_encode(input)) != input) std::abort();
  return 0;
}
