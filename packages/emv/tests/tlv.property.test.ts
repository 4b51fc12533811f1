import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTlv, encodeTlv, TlvError } from '../src/tlv.ts';
import { tlvTreeArbitrary } from './arbitraries.ts';

describe('TLV properties', () => {
  it('decode(encode(tree)) is the tree', () => {
    fc.assert(
      fc.property(tlvTreeArbitrary(), (tree) => {
        const decoded = decodeTlv(encodeTlv(tree));
        expect(decoded).toEqual({ ok: true, value: tree });
      }),
      { numRuns: 500 },
    );
  });

  it('encode(decode(bytes)) is the bytes for minimal encodings without padding', () => {
    fc.assert(
      fc.property(tlvTreeArbitrary(), (tree) => {
        const bytes = encodeTlv(tree);
        const decoded = decodeTlv(bytes);
        expect(decoded.ok && encodeTlv(decoded.value)).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes give a tree or a TlvError value, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2_000 }), (bytes) => {
        const result = decodeTlv(bytes);
        if (!result.ok) expect(result.error).toBeInstanceOf(TlvError);
      }),
      { numRuns: 2_000 },
    );
  });

  it('corrupted valid encodings give a tree or a TlvError value, never a throw', () => {
    const corrupted = fc
      .tuple(
        tlvTreeArbitrary(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
      )
      .map(([tree, edits, cut]) => {
        const bytes = encodeTlv(tree);
        for (const [position, byte] of edits) if (bytes.length > 0) bytes[position % bytes.length] = byte;
        return bytes.subarray(0, bytes.length === 0 ? 0 : cut % (bytes.length + 1));
      });
    fc.assert(
      fc.property(corrupted, (bytes) => {
        const result = decodeTlv(bytes);
        if (!result.ok) expect(result.error).toBeInstanceOf(TlvError);
      }),
      { numRuns: 2_000 },
    );
  });
});
