import { type ArqcData, bytesToHex, findTlvValue, type TlvNode } from '@tapkit/emv';

// Reading the application cryptogram and the data it covers out of DE55. Pure: the key derivation and
// the MAC live in the service, which holds the crypto adapter.

export interface CryptogramInput {
  readonly arqc: Uint8Array;
  /** 9F36 as a number, for replay detection. */
  readonly atc: number;
  /** The cryptogram version from the IAD (byte 2); the Tapkit card uses 20 (0x14). */
  readonly cvn: number;
  readonly data: ArqcData;
}

export type CryptogramError =
  | { readonly code: 'ICC_TAG_MISSING'; readonly tag: string }
  | { readonly code: 'ICC_TAG_LENGTH'; readonly tag: string; readonly lengthBytes: number };

/** Tags the ARQC needs, with their fixed lengths. 9F10 is checked separately (variable length). */
const requiredTags: ReadonlyArray<readonly [string, number, keyof ArqcData | 'arqc']> = [
  ['9F26', 8, 'arqc'],
  ['9F02', 6, 'amountAuthorised'],
  ['9F03', 6, 'amountOther'],
  ['9F1A', 2, 'terminalCountryCode'],
  ['95', 5, 'tvr'],
  ['5F2A', 2, 'transactionCurrencyCode'],
  ['9A', 3, 'transactionDate'],
  ['9C', 1, 'transactionType'],
  ['9F37', 4, 'unpredictableNumber'],
  ['82', 2, 'aip'],
  ['9F36', 2, 'atc'],
];

/** IAD (9F10): KDI, CVN, CVR(6), ...: the CVR is bytes 3–8. */
const iadBytesMin = 8;

export function readCryptogramInput(
  nodes: readonly TlvNode[],
): { ok: true; value: CryptogramInput } | { ok: false; error: CryptogramError } {
  const values = new Map<string, Uint8Array>();
  for (const [tag, lengthBytes, name] of requiredTags) {
    const value = findTlvValue(nodes, tag);
    if (value === undefined) return { ok: false, error: { code: 'ICC_TAG_MISSING', tag } };
    if (value.length !== lengthBytes) {
      return { ok: false, error: { code: 'ICC_TAG_LENGTH', tag, lengthBytes: value.length } };
    }
    values.set(name, value);
  }
  const iad = findTlvValue(nodes, '9F10');
  if (iad === undefined) return { ok: false, error: { code: 'ICC_TAG_MISSING', tag: '9F10' } };
  if (iad.length < iadBytesMin)
    return { ok: false, error: { code: 'ICC_TAG_LENGTH', tag: '9F10', lengthBytes: iad.length } };
  const get = (name: string): Uint8Array => values.get(name) as Uint8Array;
  const atc = get('atc');
  const data: ArqcData = {
    amountAuthorised: get('amountAuthorised'),
    amountOther: get('amountOther'),
    terminalCountryCode: get('terminalCountryCode'),
    tvr: get('tvr'),
    transactionCurrencyCode: get('transactionCurrencyCode'),
    transactionDate: get('transactionDate'),
    transactionType: get('transactionType'),
    unpredictableNumber: get('unpredictableNumber'),
    aip: get('aip'),
    atc,
    cvr: iad.slice(2, 8),
  };
  return {
    ok: true,
    value: { arqc: get('arqc'), atc: ((atc[0] ?? 0) << 8) | (atc[1] ?? 0), cvn: iad[1] ?? 0, data },
  };
}

/** 9F02 (n12 BCD) as the 12 digits DE4 carries. */
export function amountDigitsOf(data: ArqcData): string {
  return bytesToHex(data.amountAuthorised);
}

/** 5F2A (n3 in 2 BCD bytes) as the 3 digits DE49 carries. */
export function currencyDigitsOf(data: ArqcData): string {
  return bytesToHex(data.transactionCurrencyCode).slice(1);
}
