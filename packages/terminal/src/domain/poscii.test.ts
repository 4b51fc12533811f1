import { hexToBytes } from '@tapkit/emv';
import { describe, expect, it } from 'vitest';
import { POSCII_SEE_PHONE, posciiAsksToSeePhone } from './poscii.ts';

describe('POS cardholder interaction information', () => {
  it('the Tapkit card value asks to see the phone', () => {
    expect(posciiAsksToSeePhone(POSCII_SEE_PHONE)).toBe(true);
  });

  it.each([
    ['000100', true],
    ['000200', true],
    ['000001', true],
    ['000008', true],
    ['000800', true],
    ['FF0000', false],
    ['0000F0', false],
    ['000000', false],
  ])('%s → %s', (hex, expected) => {
    expect(posciiAsksToSeePhone(hexToBytes(hex))).toBe(expected);
  });

  it('is absent or of the wrong length: no', () => {
    expect(posciiAsksToSeePhone(undefined)).toBe(false);
    expect(posciiAsksToSeePhone(Uint8Array.of(0, 0x10))).toBe(false);
  });
});
