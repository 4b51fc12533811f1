import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from './bytes.ts';
import { describeTlv } from './describe.ts';
import {
  decodeTlv,
  decodeTlvOrThrow,
  encodeTlv,
  findTlv,
  findTlvValue,
  TlvError,
  type TlvErrorCode,
  type TlvNode,
  tlvFromObject,
  tlvToObject,
} from './tlv.ts';

const h = hexToBytes;

function errorCode(hex: string, limits?: Parameters<typeof decodeTlv>[1]): TlvErrorCode | undefined {
  const result = decodeTlv(h(hex), limits);
  return result.ok ? undefined : result.error.code;
}

describe('decodeTlv', () => {
  it('reads one-, two- and three-byte tags', () => {
    const nodes = decodeTlvOrThrow(h('9C01009F02060000000010005F2A020978DF812901FF'));
    expect(nodes.map((n) => n.tag)).toEqual(['9C', '9F02', '5F2A', 'DF8129']);
    expect(bytesToHex(findTlvValue(nodes, 'df8129') ?? new Uint8Array())).toBe('FF');
  });

  it('reads long lengths 81, 82 and 83', () => {
    const value200 = '11'.repeat(200);
    expect(bytesToHex(findTlvValue(decodeTlvOrThrow(h(`5081C8${value200}`)), '50')!)).toBe(value200);
    const value300 = '22'.repeat(300);
    expect(findTlvValue(decodeTlvOrThrow(h(`50820${(300).toString(16)}${value300}`)), '50')?.length).toBe(
      300,
    );
    const big = new Uint8Array(3 + 1 + 3 + 70_000);
    big.set([0x50, 0x83, 0x01, 0x11, 0x70], 0);
    const decoded = decodeTlv(big.subarray(0, 5 + 70_000), {
      depthMax: 4,
      valueBytesMax: 100_000,
      objectCountMax: 10,
    });
    expect(
      decoded.ok && decoded.value[0] && 'value' in decoded.value[0] && decoded.value[0].value.length,
    ).toBe(70_000);
  });

  it('accepts a non-minimal long length (BER allows it) and re-encodes minimally', () => {
    const nodes = decodeTlvOrThrow(h('9F02810600000000100000'));
    expect(bytesToHex(encodeTlv(nodes))).toBe('9F0206000000001000');
  });

  it('decodes constructed templates into a tree and skips 00 padding between objects', () => {
    const nodes = decodeTlvOrThrow(h('0000770C00820219800094040801010000'));
    expect(tlvToObject(nodes)).toEqual({ '77': { '82': '1980', '94': '08010100' } });
    expect(findTlv(nodes, '94')).toEqual({ tag: '94', value: h('08010100') });
  });

  it('rejects duplicate tags in the same template but allows them in different templates', () => {
    expect(errorCode('9C01009C0100')).toBe('TLV_DUPLICATE_TAG');
    expect(errorCode('E0039C0100E1039C0100')).toBeUndefined();
    expect(errorCode('E0069C01009C0101')).toBe('TLV_DUPLICATE_TAG');
  });

  it.each<[string, TlvErrorCode]>([
    ['9F', 'TLV_TRUNCATED_TAG'],
    ['9F81', 'TLV_TRUNCATED_TAG'],
    ['9F818101', 'TLV_TAG_TOO_LONG'],
    ['9C', 'TLV_TRUNCATED_LENGTH'],
    ['9C82', 'TLV_TRUNCATED_LENGTH'],
    ['9C80', 'TLV_INDEFINITE_LENGTH'],
    ['9C8400000001', 'TLV_LENGTH_FORM_UNSUPPORTED'],
    ['9C0201', 'TLV_TRUNCATED_VALUE'],
    ['E0039C0201', 'TLV_TRUNCATED_VALUE'],
    ['9C83FFFFFF', 'TLV_VALUE_TOO_LONG'],
  ])('rejects %s with %s', (hex, code) => {
    const result = decodeTlv(h(hex));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(TlvError);
      expect(result.error.code).toBe(code);
    }
  });

  it('enforces the depth limit', () => {
    let hex = '9C0100';
    for (let depth = 0; depth < 8; depth++) hex = `E0${(hex.length / 2).toString(16).padStart(2, '0')}${hex}`;
    expect(errorCode(hex)).toBe('TLV_DEPTH_EXCEEDED');
    expect(errorCode(hex, { depthMax: 9, valueBytesMax: 1000, objectCountMax: 100 })).toBeUndefined();
  });

  it('enforces the object count limit with distinct tags', () => {
    const bytes = new Uint8Array(5_000 * 4);
    for (let i = 0; i < 5_000; i++) bytes.set([0x9f, 0x80 | (i >> 7), i & 0x7f, 0x00], i * 4);
    expect(decodeTlv(bytes).ok).toBe(false);
    const result = decodeTlv(bytes);
    expect(!result.ok && result.error.code).toBe('TLV_TOO_MANY_OBJECTS');
  });

  it('decodeTlvOrThrow throws the TlvError itself', () => {
    expect(() => decodeTlvOrThrow(h('9C02'))).toThrow(TlvError);
  });
});

describe('encodeTlv', () => {
  it('encodes lengths minimally at the 127/128 and 255/256 boundaries', () => {
    const encode = (length: number) =>
      bytesToHex(encodeTlv([{ tag: '50', value: new Uint8Array(length) }])).slice(0, 8);
    expect(encode(127)).toBe('507F0000');
    expect(encode(128)).toBe('50818000');
    expect(encode(255)).toBe('5081FF00');
    expect(encode(256)).toBe('50820100');
  });

  it.each<[TlvNode[], TlvErrorCode]>([
    [[{ tag: '9F', value: new Uint8Array() }], 'TLV_INVALID_TAG'],
    [[{ tag: '00', value: new Uint8Array() }], 'TLV_INVALID_TAG'],
    [[{ tag: 'ZZ', value: new Uint8Array() }], 'TLV_INVALID_TAG'],
    [[{ tag: '9F0201', value: new Uint8Array() }], 'TLV_INVALID_TAG'],
    [[{ tag: '77', value: new Uint8Array() }], 'TLV_KIND_MISMATCH'],
    [[{ tag: '9C', children: [] }], 'TLV_KIND_MISMATCH'],
    [
      [
        { tag: '9C', value: new Uint8Array(1) },
        { tag: '9C', value: new Uint8Array(1) },
      ],
      'TLV_DUPLICATE_TAG',
    ],
  ])('rejects invalid tree %#', (nodes, code) => {
    expect(() => encodeTlv(nodes)).toThrow(expect.objectContaining({ code }));
  });

  it('builds from the object form', () => {
    const nodes = tlvFromObject({ '77': { '9F27': '80', '9F36': '001C' } });
    expect(bytesToHex(encodeTlv(nodes))).toBe('77099F2701809F3602001C');
  });
});

describe('describeTlv', () => {
  it('names tags and masks PAN and track 2', () => {
    const text = describeTlv(
      decodeTlvOrThrow(h('701D5A085413330000000019571154133300000000 19D2912201000000000F'.replace(' ', ''))),
    );
    expect(text).toContain('5A Application PAN [8]: 541333******0019');
    expect(text).toContain('57 Track 2 Equivalent Data');
    expect(text).not.toContain('5413330000000019');
  });
});
