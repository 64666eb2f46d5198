// Specifications of the hashes, MACs and encodings in earshot/crypto.hpp, against published vectors.
#include <gtest/gtest.h>

#include <string>

#include "earshot/crypto.hpp"

using namespace earshot::crypto;

TEST(Sha256, MatchesFipsVectorsForEmptyAndAbc) {
  EXPECT_EQ(to_hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(to_hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HmacSha256, MatchesRfc4231TestCases1And2) {
  EXPECT_EQ(to_hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha1, MatchesRfc2202TestCases1And2) {
  EXPECT_EQ(to_hex(hmac_sha1(std::string(20, '\x0b'), "Hi There")), "b617318655057264e28bc0b6fb378c8ef146be00");
  EXPECT_EQ(to_hex(hmac_sha1("Jefe", "what do ya want for nothing?")), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST(TurnRestCredential, IsBase64OfHmacSha1OfTheUsername) {
  EXPECT_EQ(turn_rest_credential("north", "1700000000:alice"), "Cd/49soE35ICqcJF/bCTn8Z4OyE=");
}

TEST(Hex, IsLowerCaseTwoDigitsPerByte) {
  EXPECT_EQ(to_hex(std::string("\x00\x0f\xab\xff", 4)), "000fabff");
  EXPECT_EQ(to_hex(std::string_view{}), "");
}

TEST(Base64, EncodesRfc4648VectorsWithPadding) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
}

TEST(Base64, RoundTripsEveryByteValueAtEveryLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 7) {
    const std::string bytes = all.substr(0, n);
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << n;
    EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes) << n;
  }
}

TEST(Base64, RejectsBadCharactersAndBadPadding) {
  EXPECT_EQ(base64_decode("Zm9v"), "foo");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("Zm9-"), std::nullopt);    // url alphabet in standard text
  EXPECT_EQ(base64_decode("Zm 9v"), std::nullopt);   // space
  EXPECT_EQ(base64_decode("Zm9vYg"), std::nullopt);  // padding required
  EXPECT_EQ(base64_decode("Zm9vYg="), std::nullopt);
  EXPECT_EQ(base64_decode("Zm9vY==="), std::nullopt);
  EXPECT_EQ(base64_decode("Zm9v===="), std::nullopt);
  EXPECT_EQ(base64_decode("Zm=v"), std::nullopt);    // padding in the middle
  EXPECT_EQ(base64_decode("Zm8=Zm8="), std::nullopt);
  EXPECT_EQ(base64_decode("Zh=="), std::nullopt);    // non-zero leftover bits: not the canonical encoding
  EXPECT_EQ(base64_decode("Zm9=" ), std::nullopt);
}

TEST(Base64Url, UsesUrlAlphabetWithoutPaddingAndAcceptsBoth) {
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
  EXPECT_EQ(base64url_decode("-_8="), "\xfb\xff");
  EXPECT_EQ(base64url_decode("Zg"), "f");
  EXPECT_EQ(base64url_decode("Zg=="), "f");
}

TEST(Base64Url, RejectsStandardAlphabetLoneDigitAndBadPadding) {
  EXPECT_EQ(base64url_decode("+/8"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm9vY"), std::nullopt);  // one digit cannot hold a byte
  EXPECT_EQ(base64url_decode("Zg="), std::nullopt);
  EXPECT_EQ(base64url_decode("Zg==="), std::nullopt);
  EXPECT_EQ(base64url_decode("Z=g="), std::nullopt);
  EXPECT_EQ(base64url_decode("Zh"), std::nullopt);
  EXPECT_EQ(base64url_decode("Zm.v"), std::nullopt);
}

TEST(UriEncode, EscapesReservedCharactersAndKeepsUnreserved) {
  EXPECT_EQ(uri_encode("a/b:c d"), "a%2Fb%3Ac%20d");
  EXPECT_EQ(uri_encode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(uri_encode("+=&?#%"), "%2B%3D%26%3F%23%25");
  EXPECT_EQ(uri_encode("arn:aws:kinesisvideo:us-west-2:123:channel/x/1"),
            "arn%3Aaws%3Akinesisvideo%3Aus-west-2%3A123%3Achannel%2Fx%2F1");
  EXPECT_EQ(uri_encode("\xc3\xa9"), "%C3%A9");  // UTF-8 bytes, upper-case hex
}

TEST(UriDecode, DecodesEscapesAndPlusOnlyInFormMode) {
  EXPECT_EQ(uri_decode("a%2Fb%3ac%20d"), "a/b:c d");
  EXPECT_EQ(uri_decode("a+b"), "a+b");
  EXPECT_EQ(uri_decode("a+b", true), "a b");
  EXPECT_EQ(uri_decode("a%2Bb", true), "a+b");
  EXPECT_EQ(uri_decode("%00", false), std::string(1, '\0'));
  EXPECT_EQ(uri_decode(uri_encode("x/y z~\xff")), "x/y z~\xff");
}

TEST(UriDecode, RejectsTruncatedOrNonHexEscapes) {
  EXPECT_EQ(uri_decode("%"), std::nullopt);
  EXPECT_EQ(uri_decode("%2"), std::nullopt);
  EXPECT_EQ(uri_decode("ab%2"), std::nullopt);
  EXPECT_EQ(uri_decode("%g0"), std::nullopt);
  EXPECT_EQ(uri_decode("%0g"), std::nullopt);
}
