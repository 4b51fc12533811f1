import { describe, expect, it } from 'vitest';
import { encodeAfl, parseAfl } from './afl.ts';
import { fromBcd, toBcd } from './bcd.ts';
import { bytesToHex, hexToBytes } from './bytes.ts';

describe('BCD', () => {
  it('encodes amounts from bigint, right-justified', () => {
    expect(bytesToHex(toBcd(1000n, 6))).toBe('000000001000');
    expect(bytesToHex(toBcd('702', 2))).toBe('0702');
    expect(() => toBcd(1234567n, 3)).toThrow(RangeError);
    expect(() => toBcd(-1n, 6)).toThrow(RangeError);
    expect(fromBcd(hexToBytes('000000001000'))).toBe('000000001000');
    expect(fromBcd(hexToBytes('1F'))).toBeUndefined();
  });
});

describe('AFL', () => {
  it('parses the debit card AFL from the public trace and re-encodes it', () => {
    const bytes = hexToBytes('080101001001010120010200');
    const parsed = parseAfl(bytes);
    expect(parsed.ok && parsed.value).toEqual([
      { sfi: 1, firstRecord: 1, lastRecord: 1, odaRecordCount: 0 },
      { sfi: 2, firstRecord: 1, lastRecord: 1, odaRecordCount: 1 },
      { sfi: 4, firstRecord: 1, lastRecord: 2, odaRecordCount: 0 },
    ]);
    expect(parsed.ok && encodeAfl(parsed.value)).toEqual(bytes);
  });

  it.each(['0801', '00010100', '08000100', '08020100', '08010102'])('rejects %s', (hex) => {
    const parsed = parseAfl(hexToBytes(hex));
    expect(!parsed.ok && parsed.error.code).toBe('TLV_INVALID_VALUE');
  });
});
