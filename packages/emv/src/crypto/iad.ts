import { concatBytes } from '../bytes.ts';
import { err, ok, type Result } from '../result.ts';
import { isConstructed, type TlvNode } from '../tlv.ts';
import { type ArqcData, arqcFieldBytes, type CryptogramVersion } from './arqc.ts';

/** Cryptogram Information Data (9F27). The Tapkit card never returns TC. */
export const CID = { AAC: 0x00, TC: 0x40, ARQC: 0x80 } as const;

/** CVR byte 1 (tapkit): cryptogram type, and the bits set when an on-device CVM was performed. */
export const CVR_BYTE1 = { ARQC: 0x80, AAC: 0x00, ON_DEVICE_CVM: 0x05 } as const;

export const iadBytes = 18;

export interface IssuerApplicationData {
  /** Key derivation index, 01 for Tapkit. */
  readonly kdi: number;
  /** Cryptogram version number byte: 0x14 = CVN 20, 0x10 = CVN 16. */
  readonly cvn: number;
  /** Card verification results, 6 bytes. */
  readonly cvr: Uint8Array;
  /** DAC/IDN, 2 bytes. */
  readonly dac: Uint8Array;
  /** Counters, 8 bytes. */
  readonly counters: Uint8Array;
}

/** IAD (9F10, 18 bytes): KDI ‖ CVN ‖ CVR(6) ‖ DAC/IDN(2) ‖ counters(8). */
export function encodeIssuerApplicationData(iad: IssuerApplicationData): Uint8Array {
  if (iad.cvr.length !== 6 || iad.dac.length !== 2 || iad.counters.length !== 8) {
    throw new RangeError('IAD parts must be CVR 6, DAC 2 and counters 8 bytes');
  }
  return concatBytes(Uint8Array.of(iad.kdi, iad.cvn), iad.cvr, iad.dac, iad.counters);
}

export function decodeIssuerApplicationData(bytes: Uint8Array): IssuerApplicationData | undefined {
  if (bytes.length !== iadBytes) return undefined;
  return {
    kdi: bytes[0] ?? 0,
    cvn: bytes[1] ?? 0,
    cvr: bytes.slice(2, 8),
    dac: bytes.slice(8, 10),
    counters: bytes.slice(10, 18),
  };
}

/** The CVN byte of the IAD as a cryptogram version this package computes, if it is one. */
export function cryptogramVersionOf(cvnByte: number): CryptogramVersion | undefined {
  if (cvnByte === 0x14) return 20;
  if (cvnByte === 0x10) return 16;
  return undefined;
}

const arqcTags: ReadonlyArray<readonly [Exclude<keyof ArqcData, 'cvr'>, string]> = [
  ['amountAuthorised', '9F02'],
  ['amountOther', '9F03'],
  ['terminalCountryCode', '9F1A'],
  ['tvr', '95'],
  ['transactionCurrencyCode', '5F2A'],
  ['transactionDate', '9A'],
  ['transactionType', '9C'],
  ['unpredictableNumber', '9F37'],
  ['aip', '82'],
  ['atc', '9F36'],
];

export type ArqcDataError =
  | { code: 'ICC_DATA_MISSING_TAG'; tag: string }
  | { code: 'ICC_DATA_BAD_LENGTH'; tag: string }
  | { code: 'ICC_DATA_BAD_IAD' };

const fieldBytes = new Map(arqcFieldBytes);

/**
 * Collects the ARQC input from ICC data (DE55, top level), the CVR from the IAD. 9F03 defaults to
 * zero when absent, as terminals often omit it for purchases without cashback. Lengths are checked
 * here so that untrusted DE55 never reaches computeArqc's preconditions.
 */
export function arqcDataFromIccData(
  nodes: readonly TlvNode[],
): Result<{ data: ArqcData; iad: IssuerApplicationData }, ArqcDataError> {
  const values = new Map<string, Uint8Array>();
  for (const node of nodes) if (!isConstructed(node)) values.set(node.tag, node.value);
  const iad = decodeIssuerApplicationData(values.get('9F10') ?? new Uint8Array(0));
  if (!iad) return err({ code: 'ICC_DATA_BAD_IAD' });
  const data: Partial<Record<keyof ArqcData, Uint8Array>> = { cvr: iad.cvr };
  for (const [name, tag] of arqcTags) {
    const value = values.get(tag) ?? (tag === '9F03' ? new Uint8Array(6) : undefined);
    if (!value) return err({ code: 'ICC_DATA_MISSING_TAG', tag });
    if (value.length !== fieldBytes.get(name)) return err({ code: 'ICC_DATA_BAD_LENGTH', tag });
    data[name] = value;
  }
  return ok({ data: data as ArqcData, iad });
}
