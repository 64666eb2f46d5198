// AWS Signature Version 4 query presigning for the Kinesis Video WebRTC signaling WSS URL
// (the recipe of the KVS JS SDK's SigV4RequestSigner: GET, only "host" signed, session token signed).
#include "earshot/sigv4.hpp"

#include <algorithm>

#include "earshot/crypto.hpp"

namespace earshot::sigv4 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kSignedHeaders = "host";
// SigV4 allows presigned URLs to live at most seven days.
constexpr int kMaxExpiresSeconds = 7 * 24 * 3600;

Failure invalid(std::string message) { return Failure{"sigv4.invalid_request", std::move(message)}; }

bool is_scheme_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
         c == '.';
}

// A path is signed exactly as sent, so only characters that need no encoding are accepted in it.
bool is_plain_path(std::string_view path) {
  return std::all_of(path.begin(), path.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~' || c == '/';
  });
}

bool is_reserved_param(std::string_view name) {
  return name == "X-Amz-Algorithm" || name == "X-Amz-Credential" || name == "X-Amz-Date" ||
         name == "X-Amz-Expires" || name == "X-Amz-SignedHeaders" || name == "X-Amz-Security-Token" ||
         name == "X-Amz-Signature";
}

}  // namespace

std::string amz_date(Instant t) {
  // format_iso8601 gives "2015-08-30T12:36:00Z"; SigV4 wants the basic form "20150830T123600Z".
  std::string iso = format_iso8601(t);
  iso.erase(std::remove_if(iso.begin(), iso.end(), [](char c) { return c == '-' || c == ':'; }), iso.end());
  return iso;
}

std::string canonical_query(std::vector<std::pair<std::string, std::string>> params) {
  for (auto& [name, value] : params) {
    name = crypto::uri_encode(name);
    value = crypto::uri_encode(value);
  }
  std::sort(params.begin(), params.end());  // by encoded name, then encoded value (byte order)
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string signing_key(std::string_view secret, std::string_view yyyymmdd, std::string_view region,
                        std::string_view service) {
  std::string key = "AWS4";
  key += secret;
  key = crypto::as_bytes(crypto::hmac_sha256(key, yyyymmdd));
  key = crypto::as_bytes(crypto::hmac_sha256(key, region));
  key = crypto::as_bytes(crypto::hmac_sha256(key, service));
  return crypto::as_bytes(crypto::hmac_sha256(key, "aws4_request"));
}

std::string sign_canonical_request(std::string_view canonical_request, std::string_view datetime,
                                   std::string_view scope, std::string_view key) {
  std::string string_to_sign(kAlgorithm);
  string_to_sign += '\n';
  string_to_sign += datetime;
  string_to_sign += '\n';
  string_to_sign += scope;
  string_to_sign += '\n';
  string_to_sign += crypto::to_hex(crypto::sha256(canonical_request));
  return crypto::to_hex(crypto::hmac_sha256(key, string_to_sign));
}

Result<std::string> presign_url(const Credentials& credentials, const PresignRequest& request) {
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return invalid("Cannot sign the signaling URL: the AWS access key id or secret key is missing.");
  }
  if (request.region.empty() || request.service.empty()) {
    return invalid("Cannot sign the signaling URL: the AWS region or service name is missing.");
  }
  if (request.expires_seconds < 1 || request.expires_seconds > kMaxExpiresSeconds) {
    return invalid("Cannot sign the signaling URL: its lifetime must be between 1 second and 7 days.");
  }

  // "<scheme>://<host>[/<path>]" with no query or fragment.
  const std::string_view endpoint = request.endpoint;
  const std::size_t scheme_end = endpoint.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0 ||
      !std::all_of(endpoint.begin(), endpoint.begin() + static_cast<std::ptrdiff_t>(scheme_end), is_scheme_char)) {
    return invalid("Cannot sign the signaling URL: the endpoint does not start with a scheme such as wss://.");
  }
  if (endpoint.find_first_of("?#") != std::string_view::npos) {
    return invalid("Cannot sign the signaling URL: the endpoint must not carry a query or fragment.");
  }
  const std::string_view scheme = endpoint.substr(0, scheme_end);
  const std::string_view rest = endpoint.substr(scheme_end + 3);
  const std::size_t path_start = rest.find('/');
  const std::string_view host = rest.substr(0, path_start);
  const std::string path = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  if (host.empty() || host.find_first_of(" @\\") != std::string_view::npos) {
    return invalid("Cannot sign the signaling URL: the endpoint has no valid host.");
  }
  if (!is_plain_path(path)) {
    return invalid("Cannot sign the signaling URL: the endpoint path contains characters that need escaping.");
  }
  for (const auto& [name, value] : request.query) {
    if (is_reserved_param(name)) {
      return invalid("Cannot sign the signaling URL: the extra query parameters must not set " + name +
                     ", which the signer sets itself.");
    }
  }

  const std::string datetime = amz_date(request.now);
  const std::string date = datetime.substr(0, 8);
  const std::string scope = date + "/" + request.region + "/" + request.service + "/aws4_request";

  auto params = request.query;
  params.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  params.emplace_back("X-Amz-Credential", credentials.access_key_id + "/" + scope);
  params.emplace_back("X-Amz-Date", datetime);
  params.emplace_back("X-Amz-Expires", std::to_string(request.expires_seconds));
  params.emplace_back("X-Amz-SignedHeaders", std::string(kSignedHeaders));
  // Kinesis Video signaling requires the session token inside the signed query (not appended afterwards).
  if (!credentials.session_token.empty()) params.emplace_back("X-Amz-Security-Token", credentials.session_token);

  std::string canonical_request = "GET\n";
  canonical_request += path;
  canonical_request += '\n';
  canonical_request += canonical_query(params);
  canonical_request += "\nhost:";
  canonical_request += host;
  canonical_request += "\n\n";
  canonical_request += kSignedHeaders;
  canonical_request += '\n';
  canonical_request += crypto::to_hex(crypto::sha256(""));

  const std::string key = signing_key(credentials.secret_access_key, date, request.region, request.service);
  params.emplace_back("X-Amz-Signature", sign_canonical_request(canonical_request, datetime, scope, key));

  std::string url(scheme);
  url += "://";
  url += host;
  url += path;
  url += '?';
  url += canonical_query(std::move(params));
  return url;
}

}  // namespace earshot::sigv4
