// The one catalog of error codes the token service answers the SDK with (tapkit). Stable strings: the
// SDK maps them to its own result codes (10001 PROVISION_FAILED, 10008 TOKEN_UNAVAILABLE, ...), tests
// assert them, and they never change meaning. `retryable` says whether sending the same request again
// later can succeed.

export const TOKEN_SERVICE_ERRORS = {
  INVALID_REQUEST: { retryable: false, message: 'The request is malformed.' },
  KEY_ID_UNKNOWN: { retryable: false, message: 'The token service key id is unknown; fetch the key again.' },
  REGISTRATION_INVALID: {
    retryable: false,
    message: 'The registration envelope cannot be opened or is malformed.',
  },
  REGISTRATION_NONCE_INVALID: {
    retryable: false,
    message: 'The registration nonce is unknown, used or expired; start again with GET_PUBLIC_KEY.',
  },
  DEVICE_KEY_INVALID: { retryable: false, message: 'The device public key is not an RSA-2048+ SPKI key.' },
  DEVICE_NOT_FOUND: { retryable: false, message: 'No such device is registered for this customer.' },
  ISSUER_DECLINED: { retryable: false, message: 'The issuer declined the digitization.' },
  ISSUER_ADDITIONAL_AUTHENTICATION_REQUIRED: {
    retryable: false,
    message: 'The issuer requires additional authentication, which Tapkit does not support yet.',
  },
  ISSUER_UNAVAILABLE: { retryable: true, message: 'The issuer did not answer; try again.' },
  TASK_NOT_FOUND: { retryable: false, message: 'No such task for this device.' },
  TASK_PENDING: { retryable: true, message: 'The token is not ready to be provisioned yet.' },
  TOKEN_NOT_FOUND: { retryable: false, message: 'No such token for this device.' },
  TOKEN_NOT_ACTIVE: { retryable: false, message: 'The token is not active yet.' },
  TOKEN_ALREADY_ACTIVE: { retryable: false, message: 'The token is already provisioned and active.' },
  TOKEN_SUSPENDED: { retryable: false, message: 'The token is suspended.' },
  TOKEN_DEACTIVATED: { retryable: false, message: 'The token is deactivated.' },
  ATC_NOT_ISSUED: { retryable: false, message: 'A reported ATC was never issued for this token.' },
  ATC_EXHAUSTED: { retryable: false, message: 'The token has no ATCs left; digitize a new token.' },
  CREDENTIALS_LIMIT_REACHED: {
    retryable: false,
    message: 'Too many credentials are outstanding; report used ATCs first.',
  },
  BUSY: { retryable: true, message: 'The token changed concurrently; try again.' },
  INTERNAL_ERROR: { retryable: true, message: 'The token service failed; try again later.' },
} as const satisfies Record<string, { retryable: boolean; message: string }>;

export type TokenServiceErrorCode = keyof typeof TOKEN_SERVICE_ERRORS;

export const TOKEN_SERVICE_ERROR_CODES = Object.keys(TOKEN_SERVICE_ERRORS) as TokenServiceErrorCode[];

export interface TokenServiceError {
  code: TokenServiceErrorCode;
  message: string;
}

/** An error value with the catalog message, or a more specific one. */
export function tokenServiceError(code: TokenServiceErrorCode, message?: string): TokenServiceError {
  return { code, message: message ?? TOKEN_SERVICE_ERRORS[code].message };
}
