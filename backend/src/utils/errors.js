'use strict';
// One error type for every refusal: a stable machine code, an HTTP status and one human sentence.

class ApiError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra; // e.g. { field } or { retryAfter }
  }
}

const E = {
  invalid: (field, message) => new ApiError(400, 'request.invalid', message, field ? { field } : {}),
  malformedJson: () => new ApiError(400, 'request.malformed_json', 'The request body is not valid JSON.'),
  tooDeep: (levels) => new ApiError(400, 'request.too_deep', `The JSON body is nested deeper than ${levels} levels.`),
  tooLarge: (limit) => new ApiError(413, 'request.too_large', `The request body is larger than ${limit} bytes.`),
  mediaType: () => new ApiError(415, 'request.unsupported_media_type', 'Send the body as Content-Type: application/json.'),
  authRequired: (how) => new ApiError(401, 'auth.required', `Authentication required: ${how}.`),
  authInvalid: (message = 'The credentials are not valid.') => new ApiError(401, 'auth.invalid', message),
  authExpired: () => new ApiError(401, 'auth.expired', 'The token has expired; request a new one.'),
  forbidden: (message) => new ApiError(403, 'auth.forbidden', message),
  notFound: (code, message) => new ApiError(404, code, message),
  rateLimited: (retryAfter) => new ApiError(429, 'rate.limited', `Too many requests; retry in ${retryAfter} s.`, { retryAfter }),
};

module.exports = { ApiError, E };
