import { describe, expect, it } from 'vitest';
import {
  CRYPTOGRAM_TYPE,
  decodeCommandApdu,
  decodeResponseApdu,
  describeCommandApdu,
  describeResponseApdu,
  encodeCommandApdu,
  encodeResponseApdu,
  generateAc,
  getProcessingOptions,
  readRecord,
  SW,
  selectByName,
  swName,
} from './apdu.ts';
import { bytesToHex, hexToBytes, utf8ToBytes } from './bytes.ts';

const h = hexToBytes;

describe('command APDUs', () => {
  it('builds the spec dialogue commands byte for byte', () => {
    expect(bytesToHex(encodeCommandApdu(selectByName(utf8ToBytes('2PAY.SYS.DDF01'))))).toBe(
      '00A404000E325041592E5359532E444446303100',
    );
    expect(bytesToHex(encodeCommandApdu(selectByName(h('A0000000041010'))))).toBe(
      '00A4040007A000000004101000',
    );
    expect(bytesToHex(encodeCommandApdu(getProcessingOptions(new Uint8Array(0))))).toBe(
      '80A80000028300' + '00',
    );
    expect(bytesToHex(encodeCommandApdu(readRecord(1, 1)))).toBe('00B2010C00');
    expect(bytesToHex(encodeCommandApdu(readRecord(2, 3)))).toBe('00B2021C00');
    expect(bytesToHex(encodeCommandApdu(generateAc(CRYPTOGRAM_TYPE.ARQC, new Uint8Array(45))))).toBe(
      '80AE80002D' + '00'.repeat(45) + '00',
    );
  });

  it.each([
    ['case 1', '00A40400', { data: '', le: undefined }],
    ['case 2', '00B2010C00', { data: '', le: 256 }],
    ['case 3', '00A4040002AABB', { data: 'AABB', le: undefined }],
    ['case 4', '00A4040002AABB10', { data: 'AABB', le: 16 }],
  ])('decodes and re-encodes %s', (_name, hex, expected) => {
    const decoded = decodeCommandApdu(h(hex));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(bytesToHex(decoded.value.data)).toBe(expected.data);
    expect(decoded.value.le).toBe(expected.le);
    expect(bytesToHex(encodeCommandApdu(decoded.value))).toBe(hex);
  });

  it.each([
    ['00A404', 'APDU_TOO_SHORT'],
    ['00A4040003AABB', 'APDU_LENGTH_MISMATCH'],
    ['00A4040002AABB1011', 'APDU_LENGTH_MISMATCH'],
    ['00A40400000002AABB', 'APDU_EXTENDED_UNSUPPORTED'],
  ])('rejects %s with %s', (hex, code) => {
    const decoded = decodeCommandApdu(h(hex));
    expect(!decoded.ok && decoded.error.code).toBe(code);
  });

  it('refuses to encode data above 255 bytes (extended APDUs are out of scope)', () => {
    expect(() => encodeCommandApdu(generateAc(0x80, new Uint8Array(256)))).toThrow(
      expect.objectContaining({ code: 'APDU_EXTENDED_UNSUPPORTED' }),
    );
  });

  it('describes a command for logs', () => {
    expect(describeCommandApdu(readRecord(1, 1))).toBe('READ RECORD: 00 B2 01 0C Le=00');
  });
});

describe('response APDUs and status words', () => {
  it('splits data and SW', () => {
    const decoded = decodeResponseApdu(h('770A820219809404080101009000'));
    expect(decoded.ok && decoded.value.sw).toBe(SW.OK);
    expect(decoded.ok && bytesToHex(decoded.value.data)).toBe('770A82021980940408010100');
    expect(bytesToHex(encodeResponseApdu({ data: new Uint8Array(0), sw: SW.RECORD_NOT_FOUND }))).toBe('6A83');
    const short = decodeResponseApdu(h('90'));
    expect(!short.ok && short.error.code).toBe('APDU_TOO_SHORT');
  });

  it.each([
    [SW.OK, 'success'],
    [SW.CONDITIONS_NOT_SATISFIED, 'conditions of use not satisfied'],
    [SW.FILE_NOT_FOUND, 'file or application not found'],
    [SW.RECORD_NOT_FOUND, 'record not found'],
    [SW.INCORRECT_P1_P2, 'incorrect P1 P2'],
    [SW.WRONG_LENGTH, 'wrong length'],
    [SW.INS_NOT_SUPPORTED, 'instruction not supported'],
    [SW.CLA_NOT_SUPPORTED, 'class not supported'],
    [0x6110, '16 more bytes available'],
    [0x6c20, 'wrong Le, exact length 32'],
  ])('names %d', (sw, name) => {
    expect(swName(sw)).toBe(name);
  });

  it('describes a READ RECORD response with the PAN masked', () => {
    const text = describeResponseApdu({
      data: h('700A5A0854133300000000195F3401009000').subarray(0, 12),
      sw: SW.OK,
    });
    expect(text).toContain('SW 9000 (success)');
    expect(text).toContain('541333******0019');
    expect(text).not.toContain('5413330000000019');
  });
});
