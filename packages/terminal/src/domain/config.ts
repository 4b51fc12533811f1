import { isHex } from '@tapkit/emv';

// How one terminal is set up: who it is on the network, what it tells the card, its limits.

export interface TerminalConfig {
  /** DE41, 8 characters. */
  readonly terminalId: string;
  /** DE42, 15 characters. */
  readonly merchantId: string;
  /** DE43, up to 40 characters (padded with spaces). */
  readonly merchantNameLocation: string;
  /** DE32, up to 11 digits. */
  readonly acquirerId: string;
  /** ISO 18245 merchant category code, 4 digits (9F15 and DE18). */
  readonly merchantCategoryCode: string;
  /** ISO 3166 numeric country code, 3 digits (9F1A). */
  readonly countryCode: string;
  /** ISO 4217 numeric currency code, 3 digits (5F2A, DE49). */
  readonly currencyCode: string;
  /** Above this amount the card must verify the cardholder (the two-tap CDCVM flow). */
  readonly noCvmLimitMinor: bigint;
  /** AIDs the terminal accepts, hex; a directory entry matches when it starts with one (partial selection). */
  readonly supportedAids: readonly string[];
  /** 9F35, n2 (22: attended, merchant-operated, online only). */
  readonly terminalType: string;
  /** 9F33, 3 bytes hex. */
  readonly terminalCapabilities: string;
  /** 9F40, 5 bytes hex. */
  readonly additionalTerminalCapabilities: string;
  /** 9F66, 4 bytes hex; the "CVM required" bit is added above the no-CVM limit. */
  readonly terminalTransactionQualifiers: string;
  /** Minutes east of UTC for DE12/DE13 and 9A; (tapkit) the demo runs on UTC. */
  readonly localTimeOffsetMinutes: number;
  /** One APDU exchange with the card. */
  readonly apduTimeoutMs: number;
  /** The wait for the 0110 before the terminal gives up and reverses. */
  readonly networkTimeoutMs: number;
  /** Attempts to deliver a reversal before it is left pending in the journal. */
  readonly reversalAttemptCountMax: number;
  /** Pause between two reversal attempts. */
  readonly reversalRetryDelayMs: number;
}

export const MASTERCARD_AID = 'A0000000041010';

export const defaultTerminalConfig: TerminalConfig = {
  terminalId: 'TAPKIT01',
  merchantId: 'TAPKITMERCHANT1',
  merchantNameLocation: 'Tapkit Demo Shop        Toronto      CA',
  acquirerId: '123456',
  merchantCategoryCode: '5411',
  countryCode: '124',
  currencyCode: '124',
  noCvmLimitMinor: 10_000n,
  supportedAids: [MASTERCARD_AID],
  terminalType: '22',
  // Byte 2 0x08: no CVM required; byte 3 0x08: CDA. Contactless with no PIN pad.
  terminalCapabilities: '000808',
  additionalTerminalCapabilities: '6000F0A001',
  // Byte 1 0x36: EMV mode, online capable; byte 3 0x40: consumer device CVM supported.
  terminalTransactionQualifiers: '36004000',
  localTimeOffsetMinutes: 0,
  apduTimeoutMs: 1_000,
  networkTimeoutMs: 10_000,
  reversalAttemptCountMax: 3,
  reversalRetryDelayMs: 5_000,
};

const checks: ReadonlyArray<readonly [keyof TerminalConfig, (value: unknown) => boolean, string]> = [
  ['terminalId', (v) => typeof v === 'string' && /^[\x20-\x7e]{8}$/.test(v), '8 printable characters'],
  ['merchantId', (v) => typeof v === 'string' && /^[\x20-\x7e]{15}$/.test(v), '15 printable characters'],
  ['merchantNameLocation', (v) => typeof v === 'string' && /^[\x20-\x7e]{1,40}$/.test(v), '1–40 characters'],
  ['acquirerId', (v) => typeof v === 'string' && /^\d{1,11}$/.test(v), '1–11 digits'],
  ['merchantCategoryCode', (v) => typeof v === 'string' && /^\d{4}$/.test(v), '4 digits'],
  ['countryCode', (v) => typeof v === 'string' && /^\d{3}$/.test(v), '3 digits'],
  ['currencyCode', (v) => typeof v === 'string' && /^\d{3}$/.test(v), '3 digits'],
  ['noCvmLimitMinor', (v) => typeof v === 'bigint' && v >= 0n, 'a non-negative bigint'],
  ['terminalType', (v) => typeof v === 'string' && /^\d{2}$/.test(v), '2 digits'],
  ['terminalCapabilities', (v) => typeof v === 'string' && /^[0-9A-Fa-f]{6}$/.test(v), '3 bytes hex'],
  [
    'additionalTerminalCapabilities',
    (v) => typeof v === 'string' && /^[0-9A-Fa-f]{10}$/.test(v),
    '5 bytes hex',
  ],
  [
    'terminalTransactionQualifiers',
    (v) => typeof v === 'string' && /^[0-9A-Fa-f]{8}$/.test(v),
    '4 bytes hex',
  ],
  ['apduTimeoutMs', (v) => typeof v === 'number' && v > 0, 'positive'],
  ['networkTimeoutMs', (v) => typeof v === 'number' && v > 0, 'positive'],
  [
    'reversalAttemptCountMax',
    (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 20,
    '1–20',
  ],
  ['reversalRetryDelayMs', (v) => typeof v === 'number' && v >= 0, 'not negative'],
];

/** Problems with a configuration, empty when it is usable. */
export function validateTerminalConfig(config: TerminalConfig): string[] {
  const problems = checks
    .filter(([key, check]) => !check(config[key]))
    .map(([key, , rule]) => `${key}: ${rule}`);
  const aidsValid =
    config.supportedAids.length > 0 && config.supportedAids.every((aid) => isHex(aid) && aid.length >= 10);
  if (!aidsValid) problems.push('supportedAids: at least one AID of 5 to 16 bytes hex');
  if (!Number.isInteger(config.localTimeOffsetMinutes) || Math.abs(config.localTimeOffsetMinutes) > 14 * 60) {
    problems.push('localTimeOffsetMinutes: an integer within ±840');
  }
  return problems;
}
