import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAfl } from '../src/afl.ts';
import { ApduError, decodeCommandApdu, decodeResponseApdu, encodeCommandApdu } from '../src/apdu.ts';
import { arqcDataFromIccData } from '../src/crypto/iad.ts';
import { dolDataLength, parseDol } from '../src/dol.ts';
import { decodeTlv, TlvError } from '../src/tlv.ts';

const garbage = fc.uint8Array({ maxLength: 600 });

describe('garbage in, typed errors out', () => {
  it('parseDol and parseAfl return a value or a TlvError', () => {
    fc.assert(
      fc.property(garbage, (bytes) => {
        const dol = parseDol(bytes);
        if (dol.ok) expect(dolDataLength(dol.value)).toBeLessThanOrEqual(64 * 255);
        else expect(dol.error).toBeInstanceOf(TlvError);
        const afl = parseAfl(bytes);
        if (!afl.ok) expect(afl.error).toBeInstanceOf(TlvError);
      }),
      { numRuns: 2_000 },
    );
  });

  it('APDU decoders return a value or an ApduError, and valid commands re-encode to the same bytes', () => {
    fc.assert(
      fc.property(garbage, (bytes) => {
        const command = decodeCommandApdu(bytes);
        if (command.ok) expect(encodeCommandApdu(command.value)).toEqual(bytes);
        else expect(command.error).toBeInstanceOf(ApduError);
        const response = decodeResponseApdu(bytes);
        if (!response.ok) expect(response.error).toBeInstanceOf(ApduError);
      }),
      { numRuns: 2_000 },
    );
  });

  it('ICC data extraction never throws on any decodable DE55', () => {
    fc.assert(
      fc.property(garbage, (bytes) => {
        const tree = decodeTlv(bytes);
        if (tree.ok) expect(() => arqcDataFromIccData(tree.value)).not.toThrow();
      }),
      { numRuns: 1_000 },
    );
  });
});
