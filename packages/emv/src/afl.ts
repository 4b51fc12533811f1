import { err, ok, type Result } from './result.ts';
import { TlvError } from './tlv.ts';

/** One Application File Locator entry (tag 94): records first..last of a short file. */
export interface AflEntry {
  readonly sfi: number;
  readonly firstRecord: number;
  readonly lastRecord: number;
  /** Records from firstRecord on that take part in offline data authentication. */
  readonly odaRecordCount: number;
}

/** AFL entries per card; 4 bytes each, and a 94 value above 252 bytes does not occur. */
export const aflEntryCountMax = 63;

/** Parses an AFL into entries (EMV Book 3 10.2). Never throws. */
export function parseAfl(bytes: Uint8Array): Result<AflEntry[], TlvError> {
  if (bytes.length % 4 !== 0 || bytes.length / 4 > aflEntryCountMax) {
    return err(new TlvError('TLV_INVALID_VALUE', `AFL of ${bytes.length} bytes`));
  }
  const entries: AflEntry[] = [];
  for (let offset = 0; offset < bytes.length; offset += 4) {
    const sfi = (bytes[offset] ?? 0) >> 3;
    const firstRecord = bytes[offset + 1] ?? 0;
    const lastRecord = bytes[offset + 2] ?? 0;
    const odaRecordCount = bytes[offset + 3] ?? 0;
    const valid = sfi >= 1 && sfi <= 30 && firstRecord >= 1 && lastRecord >= firstRecord;
    if (!valid || odaRecordCount > lastRecord - firstRecord + 1) {
      return err(new TlvError('TLV_INVALID_VALUE', `AFL entry ${offset / 4} is invalid`, offset));
    }
    entries.push({ sfi, firstRecord, lastRecord, odaRecordCount });
  }
  return ok(entries);
}

/** Encodes AFL entries (the card side). */
export function encodeAfl(entries: readonly AflEntry[]): Uint8Array {
  const out = new Uint8Array(entries.length * 4);
  entries.forEach((entry, index) => {
    out.set([entry.sfi << 3, entry.firstRecord, entry.lastRecord, entry.odaRecordCount], index * 4);
  });
  return out;
}
