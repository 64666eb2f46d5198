// Specifications of SigV4 presigning, against the KVS JS SDK's SigV4RequestSigner.spec.ts vectors and the
// aws-sig-v4-test-suite get-vanilla case.
#include <gtest/gtest.h>

#include "earshot/crypto.hpp"
#include "earshot/sigv4.hpp"

using namespace earshot;
using namespace earshot::sigv4;

namespace {
constexpr Instant kDec1st2019 = 1575158400000;  // 2019-12-01T00:00:00Z

Credentials kvs_spec_credentials() { return {"AKIA4F7WJQR7FMMWMNXI", "FakeSecretKey", "FakeSessionToken"}; }

PresignRequest kvs_spec_request() {
  PresignRequest r;
  r.endpoint = "wss://kvs.awsamazon.com";
  r.region = "us-west-2";
  r.service = "kinesisvideo";
  r.query = {{"X-Amz-TestParam", "test-param-value"}};
  r.now = kDec1st2019;
  return r;
}

// The URL the KVS SDK spec expects, for a signature and the variable parts.
std::string kvs_spec_url(const std::string& path, const std::string& service, const std::string& expires,
                         bool with_token, const std::string& signature) {
  return "wss://kvs.awsamazon.com" + path +
         "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA4F7WJQR7FMMWMNXI%2F20191201%2Fus-west-2%2F" +
         service + "%2Faws4_request&X-Amz-Date=20191201T000000Z&X-Amz-Expires=" + expires +
         (with_token ? "&X-Amz-Security-Token=FakeSessionToken" : "") + "&X-Amz-Signature=" + signature +
         "&X-Amz-SignedHeaders=host&X-Amz-TestParam=test-param-value";
}
}  // namespace

TEST(AmzDate, IsBasicIso8601InUtc) {
  EXPECT_EQ(amz_date(1440938160000), "20150830T123600Z");
  EXPECT_EQ(amz_date(kDec1st2019), "20191201T000000Z");
  EXPECT_EQ(amz_date(kDec1st2019 + 999), "20191201T000000Z");  // milliseconds are dropped, not rounded
}

TEST(CanonicalQuery, SortsByEncodedNameThenValueAndEncodesRfc3986) {
  EXPECT_EQ(canonical_query({{"Param2", "value2"}, {"Param1", "value1"}}), "Param1=value1&Param2=value2");
  EXPECT_EQ(canonical_query({{"b", "2"}, {"a", "z"}, {"a", "y"}}), "a=y&a=z&b=2");
  EXPECT_EQ(canonical_query({{"X-Amz-ChannelARN", "arn:aws:kinesisvideo:us-west-2:1:channel/c/1"}}),
            "X-Amz-ChannelARN=arn%3Aaws%3Akinesisvideo%3Aus-west-2%3A1%3Achannel%2Fc%2F1");
  EXPECT_EQ(canonical_query({{"k", "a b+c~"}}), "k=a%20b%2Bc~");
  // Where sorting before encoding and after it disagree: raw '-' (0x2D) sorts before '/' (0x2F), but '/'
  // encodes as "%2F" and '%' (0x25) sorts before '-'. SigV4 sorts the encoded bytes, so "a/b" comes first,
  // for names and for the values of one name alike.
  EXPECT_EQ(canonical_query({{"a-b", "1"}, {"a/b", "2"}}), "a%2Fb=2&a-b=1");
  EXPECT_EQ(canonical_query({{"a/b", "2"}, {"a-b", "1"}}), "a%2Fb=2&a-b=1");
  EXPECT_EQ(canonical_query({{"k", "a-b"}, {"k", "a/b"}}), "k=a%2Fb&k=a-b");
  EXPECT_EQ(canonical_query({}), "");
}

TEST(SigV4Suite, GetVanillaSignatureMatches) {
  const std::string canonical_request =
      "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  EXPECT_EQ(crypto::to_hex(crypto::sha256(canonical_request)),
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  const std::string key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "service");
  EXPECT_EQ(key.size(), 32u);
  EXPECT_EQ(sign_canonical_request(canonical_request, "20150830T123600Z", "20150830/us-east-1/service/aws4_request",
                                   key),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(KvsPresign, MatchesTheSdkSpecUrlWithSessionToken) {
  const auto url = presign_url(kvs_spec_credentials(), kvs_spec_request());
  ASSERT_TRUE(url.ok()) << url.failure().message;
  EXPECT_EQ(*url, kvs_spec_url("/", "kinesisvideo", "299", true,
                               "fc268038be276315822b4f73eafd28ee3a5632a2a35fdb0a88db9a42b13d6c92"));
}

TEST(KvsPresign, MatchesTheSdkSpecUrlWithoutSessionToken) {
  Credentials c = kvs_spec_credentials();
  c.session_token.clear();
  const auto url = presign_url(c, kvs_spec_request());
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(*url, kvs_spec_url("/", "kinesisvideo", "299", false,
                               "be1e78950d956a8a9a1997417099ddbd7455619f3d08c4ad20e1e272179ca695"));
}

TEST(KvsPresign, MatchesTheSdkSpecUrlWithServiceOverridePathAndExpiry) {
  PresignRequest firehose = kvs_spec_request();
  firehose.service = "firehose";
  EXPECT_EQ(*presign_url(kvs_spec_credentials(), firehose),
            kvs_spec_url("/", "firehose", "299", true,
                         "f15308513d21a381d38b7607a0439f25fc2e6c9f5ff56a48c1664b486e6234d5"));

  PresignRequest with_path = kvs_spec_request();
  with_path.endpoint = "wss://kvs.awsamazon.com/path/path/path";
  EXPECT_EQ(*presign_url(kvs_spec_credentials(), with_path),
            kvs_spec_url("/path/path/path", "kinesisvideo", "299", true,
                         "0bf3df6ca23d8d82f688e8dbfb90d69e74843d40038541b1721c545eef7612a4"));

  PresignRequest day = kvs_spec_request();
  day.expires_seconds = 86400;
  EXPECT_EQ(*presign_url(kvs_spec_credentials(), day),
            kvs_spec_url("/", "kinesisvideo", "86400", true,
                         "b62a078631a8f1e31ad09bce25d251611a22b65eac8836f6d700cee50a04e9e1"));
}

TEST(KvsPresign, SignsTheChannelArnAndClientIdEncoded) {
  PresignRequest r = kvs_spec_request();
  r.query = {{"X-Amz-ClientId", "viewer 1"}, {"X-Amz-ChannelARN", "arn:aws:kinesisvideo:us-west-2:1:channel/c/1"}};
  const auto url = presign_url(kvs_spec_credentials(), r);
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->rfind("wss://kvs.awsamazon.com/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-ChannelARN="
                       "arn%3Aaws%3Akinesisvideo%3Aus-west-2%3A1%3Achannel%2Fc%2F1&X-Amz-ClientId=viewer%201&",
                       0),
            0u);
}

TEST(KvsPresign, RefusesEndpointsAndParametersItCannotSignFaithfully) {
  const auto refused = [](PresignRequest r, Credentials c = kvs_spec_credentials()) {
    const auto url = presign_url(c, r);
    EXPECT_FALSE(url.ok());
    return url.ok() ? std::string() : url.failure().code + ": " + url.failure().message;
  };
  PresignRequest r = kvs_spec_request();
  r.endpoint = "wss://kvs.awsamazon.com?a=b";
  EXPECT_EQ(refused(r), "sigv4.invalid_request: Cannot sign the signaling URL: the endpoint must not carry a "
                        "query or fragment.");
  r.endpoint = "kvs.awsamazon.com";
  EXPECT_EQ(refused(r), "sigv4.invalid_request: Cannot sign the signaling URL: the endpoint does not start with a "
                        "scheme such as wss://.");
  r.endpoint = "wss:///path";
  EXPECT_EQ(refused(r), "sigv4.invalid_request: Cannot sign the signaling URL: the endpoint has no valid host.");
  r.endpoint = "wss://kvs.awsamazon.com/a b";
  EXPECT_EQ(refused(r), "sigv4.invalid_request: Cannot sign the signaling URL: the endpoint path contains "
                        "characters that need escaping.");
  r = kvs_spec_request();
  r.query.emplace_back("X-Amz-Expires", "86400");
  EXPECT_EQ(refused(r), "sigv4.invalid_request: Cannot sign the signaling URL: the extra query parameters must not "
                        "set X-Amz-Expires, which the signer sets itself.");
  r = kvs_spec_request();
  r.expires_seconds = 0;
  EXPECT_EQ(refused(r), "sigv4.invalid_request: Cannot sign the signaling URL: its lifetime must be between 1 "
                        "second and 7 days.");
  EXPECT_EQ(refused(kvs_spec_request(), Credentials{"AKIA", "", ""}),
            "sigv4.invalid_request: Cannot sign the signaling URL: the AWS access key id or secret key is missing.");
}
