// parse_json_text and json_text with nlohmann's own parser and serializer: the native builds (tests,
// fuzzers, the simulation). The room pages define both with the browser's JSON (src/wasm/json_browser.cpp).
#include "earshot/json.hpp"

namespace earshot {
namespace {

// nlohmann's DOM builder, refusing containers nested deeper than kMaxJsonDepth.
class DepthLimitedSax : public nlohmann::detail::json_sax_dom_parser<nlohmann::json> {
 public:
  using Base = nlohmann::detail::json_sax_dom_parser<nlohmann::json>;
  using Base::Base;
  bool start_object(std::size_t n) { return ++depth_ <= kMaxJsonDepth && Base::start_object(n); }
  bool start_array(std::size_t n) { return ++depth_ <= kMaxJsonDepth && Base::start_array(n); }
  bool end_object() { --depth_; return Base::end_object(); }
  bool end_array() { --depth_; return Base::end_array(); }

 private:
  std::size_t depth_ = 0;
};

}  // namespace

nlohmann::json parse_json_text(std::string_view text) {
  // No callback: nlohmann's callback parser is never instantiated. Strict: trailing bytes are an error.
  nlohmann::json result;
  DepthLimitedSax sax(result, /*allow_exceptions=*/false);
  const char* first = text.data();
  if (!nlohmann::json::sax_parse(first, first + text.size(), &sax) || sax.is_errored()) {
    return nlohmann::json(nlohmann::json::value_t::discarded);
  }
  return result;
}

std::string json_text(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace earshot
