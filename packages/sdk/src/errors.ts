// The one catalog of SDK result codes (docs/protocol/sdk.md#result-codes; the documentation's numbering,
// 10000-10011, nothing invented above). Every failure the SDK reports to the app is an SdkError carrying
// one of these codes; the codes never change meaning.

/** The SDK's result codes by name, in the documentation's numbering. */
export const SDK_RESULT_CODES = {
  /** Success. */
  SUCCESS: 10000,
  /** The activation failed. */
  PROVISION_FAILED: 10001,
  /** The device failed the integrity check (no secure crypto); never a declined tap. */
  DEVICE_UNSAFE: 10002,
  /** The tap needs on-device authentication. */
  CDCVM_REQUIRED: 10003,
  /** An internal error of the SDK. */
  INNER_EXCEPTION: 10004,
  /** The request proxy returned null or failed. */
  NETWORK_EXCEPTION: 10005,
  /** An action before connect. */
  SDK_NOT_CONNECTED: 10006,
  /** No payment credential is left. */
  INSUFFICIENT_CREDENTIALS: 10007,
  /** The token is locked or suspended. */
  TOKEN_UNAVAILABLE: 10008,
  /** There is no token. */
  TOKEN_NOT_EXIST: 10009,
  /** An activation runs and the caller asked not to wait. */
  ACTIVATION_IN_PROGRESS: 10010,
  /** An argument is invalid. */
  INVALID_INPUT_PARAMETERS: 10011,
} as const;
// A declined tap has no code here (docs/protocol/sdk.md#what-the-listener-hears): the app's DECLINE /
// APP_CUSTOM_DECLINE_n and the network's decline reach onTransactionFailed as that result (ports.ts,
// TransactionFailure).

/** The name of a result code, e.g. `SDK_NOT_CONNECTED`. */
export type SdkResultName = keyof typeof SDK_RESULT_CODES;
/** A result code, 10000 to 10011. */
export type SdkResultCode = (typeof SDK_RESULT_CODES)[SdkResultName];

const messages: Record<SdkResultName, string> = {
  SUCCESS: 'Success.',
  PROVISION_FAILED: 'The activation failed.',
  DEVICE_UNSAFE: 'The device failed the integrity check (no secure crypto).',
  CDCVM_REQUIRED: 'The transaction needs the user to authenticate on the device.',
  INNER_EXCEPTION: 'The SDK failed internally.',
  NETWORK_EXCEPTION: 'The request proxy failed or the server could not be reached.',
  SDK_NOT_CONNECTED: 'The SDK is not connected; call connect first.',
  INSUFFICIENT_CREDENTIALS: 'No payment credential is left.',
  TOKEN_UNAVAILABLE: 'The card is locked or suspended.',
  TOKEN_NOT_EXIST: 'There is no card.',
  ACTIVATION_IN_PROGRESS: 'An activation is already running.',
  INVALID_INPUT_PARAMETERS: 'An input parameter is invalid.',
};

const nameOfCode = new Map<number, SdkResultName>(
  Object.entries(SDK_RESULT_CODES).map(([name, code]) => [code, name as SdkResultName]),
);

/** An operating error of the SDK: a stable code, its name, and a message that never holds secrets. */
export class SdkError extends Error {
  /** Always 'SdkError'. */
  override readonly name = 'SdkError';
  /** The code's name, e.g. `TOKEN_UNAVAILABLE`. */
  readonly resultName: SdkResultName;

  constructor(
    /** The result code, e.g. 10008. */
    readonly code: SdkResultCode,
    detail?: string,
    /** The counterpart's own error code (token service or Ant server), when there was one. */
    readonly upstreamCode?: string,
  ) {
    const resultName = nameOfCode.get(code) ?? 'INNER_EXCEPTION';
    super(`${code} ${resultName}: ${detail ?? messages[resultName]}`);
    this.resultName = resultName;
  }

  /** The error of a result name, with an optional detail and upstream code. */
  static of(name: SdkResultName, detail?: string, upstreamCode?: string): SdkError {
    return new SdkError(SDK_RESULT_CODES[name], detail, upstreamCode);
  }
}

/** Whether a value is an SdkError (narrows its type). */
export function isSdkError(value: unknown): value is SdkError {
  return value instanceof SdkError;
}

/** Anything thrown that is not an SdkError is a bug of ours: the app sees 10004. */
export function toSdkError(value: unknown): SdkError {
  if (value instanceof SdkError) return value;
  const detail = value instanceof Error ? value.message : 'unknown failure';
  return SdkError.of('INNER_EXCEPTION', detail);
}
