import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { desJsBlockCipher } from '../adapters/desjs.ts';
import { nodeBlockCipher } from '../adapters/node-crypto.ts';
import { bytesToHex, hexToBytes } from '../bytes.ts';
import { adjustOddParity, optionADerivationData } from './keys.ts';
import { padMethod2, retailMac } from './mac.ts';

const h = hexToBytes;

describe('block cipher adapters', () => {
  it('agree on single DES and two-key 3DES for random keys and data', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc
          .integer({ min: 1, max: 8 })
          .chain((blocks) => fc.uint8Array({ minLength: blocks * 8, maxLength: blocks * 8 })),
        (key, data) => {
          expect(desJsBlockCipher.desEdeEcbEncrypt(key, data)).toEqual(
            nodeBlockCipher.desEdeEcbEncrypt(key, data),
          );
          const key8 = key.subarray(0, 8);
          expect(desJsBlockCipher.desEcbEncrypt(key8, data)).toEqual(
            nodeBlockCipher.desEcbEncrypt(key8, data),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('match the FIPS 81 single-DES example (key 0123456789ABCDEF)', () => {
    // "Now is t" under key 0123456789ABCDEF encrypts to 3FA40E8A984D4815 (FIPS PUB 81 appendix B).
    for (const cipher of [nodeBlockCipher, desJsBlockCipher]) {
      expect(bytesToHex(cipher.desEcbEncrypt(h('0123456789ABCDEF'), h('4E6F772069732074')))).toBe(
        '3FA40E8A984D4815',
      );
    }
  });

  it('reject wrong key and data sizes the same way', () => {
    for (const cipher of [nodeBlockCipher, desJsBlockCipher]) {
      expect(() => cipher.desEcbEncrypt(new Uint8Array(16), new Uint8Array(8))).toThrow(RangeError);
      expect(() => cipher.desEdeEcbEncrypt(new Uint8Array(16), new Uint8Array(7))).toThrow(RangeError);
      expect(() => cipher.desEdeEcbEncrypt(new Uint8Array(16), new Uint8Array(0))).toThrow(RangeError);
    }
  });
});

describe('MAC and key helpers', () => {
  it('pads with method 2: always 80, then zeros to the block', () => {
    expect(bytesToHex(padMethod2(h('01')))).toBe('0180000000000000');
    expect(bytesToHex(padMethod2(h('0102030405060708')))).toBe('01020304050607088000000000000000');
    expect(bytesToHex(padMethod2(new Uint8Array(0)))).toBe('8000000000000000');
  });

  it('MACs a one-block message as 3DES of the padded block', () => {
    const key = h('AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB');
    expect(retailMac(nodeBlockCipher, key, h('01'))).toEqual(
      nodeBlockCipher.desEdeEcbEncrypt(key, h('0180000000000000')),
    );
  });

  it('sets odd parity on every byte', () => {
    expect(bytesToHex(adjustOddParity(h('0001FEFF7F80')))).toBe('0101FEFE7F80');
  });

  it('takes the rightmost 16 digits of PAN ‖ PSN, zero-padded on the left', () => {
    expect(bytesToHex(optionADerivationData('99012345678901234', '45'))).toBe('1234567890123445');
    expect(bytesToHex(optionADerivationData('5413330089', '01'))).toBe('0000541333008901');
    expect(bytesToHex(optionADerivationData('5413330089010012'))).toBe('1333008901001200');
    expect(() => optionADerivationData('54133A', '00')).toThrow(RangeError);
  });
});
