import { bytesToHex, fromBcd, type TlvPrimitive } from '@tapkit/emv';
import { failed, type Parsed, parsed } from './failure.ts';

// The card data the acquirer needs, read from the records: PAN (5A), expiry (5F24), PSN (5F34).

export interface CardIdentity {
  /** 12–19 digits. Sensitive: only maskPan(pan) may reach a log or a screen. */
  readonly pan: string;
  /** YYMM (DE14). Sensitive like the PAN. */
  readonly expiryYymm: string;
  /** YYMMDD as the card holds it (5F24). */
  readonly expiryYymmdd: string;
  /** Two digits, when the card has a PAN sequence number. */
  readonly psn: string | undefined;
}

/** Record tags the terminal cannot go on without. */
export const mandatoryRecordTags = ['5A', '5F24', '8C'] as const;

export function readCardIdentity(cardData: ReadonlyMap<string, Uint8Array>): Parsed<CardIdentity> {
  const step = 'READ_RECORD';
  for (const tag of mandatoryRecordTags) {
    if (!cardData.has(tag))
      return failed(step, 'MANDATORY_DATA_MISSING', `tag ${tag} missing from the records`);
  }
  // 5A is cn: digits, padded on the right with F.
  const pan = bytesToHex(cardData.get('5A') ?? new Uint8Array(0)).replace(/F+$/, '');
  if (!/^\d{12,19}$/.test(pan)) return failed(step, 'DATA_INVALID', 'PAN (5A) is not 12–19 digits');
  const expiry = fromBcd(cardData.get('5F24') ?? new Uint8Array(0));
  if (expiry === undefined || !/^\d{2}(0[1-9]|1[0-2])\d{2}$/.test(expiry)) {
    return failed(step, 'DATA_INVALID', 'expiry date (5F24) is not YYMMDD');
  }
  const psnBytes = cardData.get('5F34');
  const psn = psnBytes === undefined ? undefined : fromBcd(psnBytes);
  if (psnBytes !== undefined && (psn === undefined || psn.length !== 2)) {
    return failed(step, 'DATA_INVALID', 'PAN sequence number (5F34) is not n2');
  }
  return parsed({ pan, expiryYymm: expiry.slice(0, 4), expiryYymmdd: expiry, psn });
}

/** Adds a record's objects to what was read; a tag in two records makes the card faulty (EMV). */
export function mergeRecord(
  cardData: ReadonlyMap<string, Uint8Array>,
  objects: readonly TlvPrimitive[],
): Parsed<Map<string, Uint8Array>> {
  const merged = new Map(cardData);
  for (const object of objects) {
    if (merged.has(object.tag))
      return failed('READ_RECORD', 'CARD_DATA_DUPLICATE', `tag ${object.tag} twice`);
    merged.set(object.tag, object.value);
  }
  return parsed(merged);
}

/** True when the application expired before today (a card is valid through its expiry date). */
export function isExpired(expiryYymmdd: string, todayYymmdd: string): boolean {
  return expiryYymmdd < todayYymmdd;
}
