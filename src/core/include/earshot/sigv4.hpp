// AWS Signature Version 4 query-string presigning, as the Kinesis Video WebRTC signaling WSS URL needs.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "earshot/base.hpp"

namespace earshot::sigv4 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when none
};

struct PresignRequest {
  std::string endpoint;     // "wss://host[:port][/path]" (scheme kept in the output, only host and path are signed)
  std::string region;       // "us-west-2"
  std::string service;      // "kinesisvideo"
  std::vector<std::pair<std::string, std::string>> query;  // extra params, unencoded (X-Amz-ChannelARN, ...)
  Instant now = 0;          // signing time
  int expires_seconds = 299;
};

// Returns the full presigned URL: endpoint + "?" + sorted, RFC 3986-encoded query including
// X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders,
// X-Amz-Security-Token (when present, signed) and finally X-Amz-Signature.
Result<std::string> presign_url(const Credentials&, const PresignRequest&);

// Building blocks, exposed for tests against the published suites.
std::string amz_date(Instant t);   // "20150830T123600Z"
std::string canonical_query(std::vector<std::pair<std::string, std::string>> params);  // sorted, encoded
std::string signing_key(std::string_view secret, std::string_view yyyymmdd, std::string_view region,
                        std::string_view service);  // raw bytes
// Hex signature of an already canonical request.
std::string sign_canonical_request(std::string_view canonical_request, std::string_view datetime,
                                   std::string_view scope, std::string_view key);

}  // namespace earshot::sigv4
