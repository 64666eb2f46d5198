// Specifications of JWT decoding and HS256 verification, against RFC 7515 Appendix A.1.
#include <gtest/gtest.h>

#include "earshot/crypto.hpp"
#include "earshot/jwt.hpp"

using namespace earshot;

namespace {
constexpr const char* kRfc7515A1Token =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr const char* kRfc7515A1Key =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

std::string b64(std::string_view s) { return crypto::base64url_encode(s); }

std::string malformed_sentence(std::string_view token) {
  const auto decoded = jwt::decode(token);
  EXPECT_FALSE(decoded.ok()) << token;
  if (decoded.ok()) return {};
  EXPECT_EQ(decoded.failure().code, "token.malformed");
  return decoded.failure().message;
}
}  // namespace

TEST(Jwt, DecodesRfc7515A1HeaderClaimsAndSignature) {
  const auto token = jwt::decode(kRfc7515A1Token);
  ASSERT_TRUE(token.ok()) << token.failure().message;
  EXPECT_EQ(token->header["alg"].get<std::string>(), "HS256");
  EXPECT_EQ(token->header["typ"].get<std::string>(), "JWT");
  EXPECT_EQ(token->claims["iss"].get<std::string>(), "joe");
  EXPECT_EQ(token->claims["exp"].get<std::int64_t>(), 1300819380);
  EXPECT_TRUE(token->claims["http://example.com/is_root"].get<bool>());
  EXPECT_EQ(token->signing_input, std::string(kRfc7515A1Token).substr(0, std::string(kRfc7515A1Token).rfind('.')));
  EXPECT_EQ(token->signature.size(), 32u);
}

TEST(Jwt, VerifiesRfc7515A1WithItsKey) {
  const auto key = crypto::base64url_decode(kRfc7515A1Key);
  ASSERT_TRUE(key.has_value());
  const auto token = jwt::decode(kRfc7515A1Token);
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(jwt::verify_hs256(*token, *key));
  EXPECT_FALSE(jwt::verify_hs256(*token, "another key"));
}

TEST(Jwt, OneFlippedSignatureBitFailsVerification) {
  const auto key = *crypto::base64url_decode(kRfc7515A1Key);
  auto token = jwt::decode(kRfc7515A1Token).value();
  token.signature[31] = static_cast<char>(token.signature[31] ^ 0x01);
  EXPECT_FALSE(jwt::verify_hs256(token, key));
}

TEST(Jwt, VerificationPinsHs256AndTheSignatureLength) {
  const auto key = *crypto::base64url_decode(kRfc7515A1Key);
  auto truncated = jwt::decode(kRfc7515A1Token).value();
  truncated.signature.pop_back();
  EXPECT_FALSE(jwt::verify_hs256(truncated, key));
  // Same bytes and a valid HMAC, but the header claims another algorithm: refused (no algorithm confusion).
  const std::string input = b64(R"({"alg":"HS384"})") + "." + b64(R"({"iss":"joe"})");
  const std::string token = input + "." + b64(crypto::as_bytes(crypto::hmac_sha256(key, input)));
  const auto decoded = jwt::decode(token);
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(jwt::verify_hs256(*decoded, key));
}

TEST(Jwt, DecodeRefusesUnsignedAlgNone) {
  EXPECT_EQ(malformed_sentence(b64(R"({"alg":"none"})") + "." + b64(R"({"iss":"joe"})") + ".c2ln"),
            "The token's header says it is unsigned (alg none).");
  EXPECT_EQ(malformed_sentence(b64(R"({"alg":"none"})") + "." + b64(R"({"iss":"joe"})") + "."),
            "The token's header says it is unsigned (alg none).");
}

TEST(Jwt, DecodeNamesWhichPartIsMalformed) {
  const std::string header = b64(R"({"alg":"HS256"})");
  const std::string claims = b64(R"({"iss":"joe"})");
  EXPECT_EQ(malformed_sentence(""), "The token is empty.");
  EXPECT_EQ(malformed_sentence(header), "The token is incomplete.");
  EXPECT_EQ(malformed_sentence(header + "." + claims), "The token is incomplete.");
  EXPECT_EQ(malformed_sentence(header + "." + claims + ".c2ln.c2ln"), "The token has more than three parts.");
  EXPECT_EQ(malformed_sentence("." + claims + ".c2ln"), "The token's header is empty.");
  EXPECT_EQ(malformed_sentence("eyJ!bGci." + claims + ".c2ln"), "The token's header is not valid base64url.");
  EXPECT_EQ(malformed_sentence(b64(R"({"alg":"HS256"})") + "=." + claims + ".c2ln"),
            "The token's header is not valid base64url.");
  EXPECT_EQ(malformed_sentence(b64("not json") + "." + claims + ".c2ln"), "The token's header is not valid JSON.");
  EXPECT_EQ(malformed_sentence(b64(R"(["alg","HS256"])") + "." + claims + ".c2ln"),
            "The token's header is JSON but not an object.");
  EXPECT_EQ(malformed_sentence(b64(R"({"typ":"JWT"})") + "." + claims + ".c2ln"),
            "The token's header does not name its signing algorithm.");
  EXPECT_EQ(malformed_sentence(b64(R"({"alg":256})") + "." + claims + ".c2ln"),
            "The token's header does not name its signing algorithm.");
  EXPECT_EQ(malformed_sentence(header + "..c2ln"), "The token's payload is empty.");
  EXPECT_EQ(malformed_sentence(header + ".%%%.c2ln"), "The token's payload is not valid base64url.");
  EXPECT_EQ(malformed_sentence(header + "." + b64("{\"iss\":") + ".c2ln"), "The token's payload is not valid JSON.");
  EXPECT_EQ(malformed_sentence(header + "." + b64("42") + ".c2ln"), "The token's payload is JSON but not an object.");
  EXPECT_EQ(malformed_sentence(header + "." + claims + "."), "The token's signature is missing.");
  EXPECT_EQ(malformed_sentence(header + "." + claims + ".c2l+"), "The token's signature is not valid base64url.");
}

TEST(Jwt, DecodeRejectsInvalidUtf8InClaimsWithoutThrowing) {
  const std::string header = b64(R"({"alg":"HS256"})");
  EXPECT_EQ(malformed_sentence(header + "." + b64("{\"name\":\"\xff\xfe\"}") + ".c2ln"),
            "The token's payload is not valid JSON.");
}
