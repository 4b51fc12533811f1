import { describe, expect, it } from 'vitest';
import { nodeBlockCipher } from '../adapters/node-crypto.ts';
import { bytesToHex, hexToBytes } from '../bytes.ts';
import { decodeTlvOrThrow } from '../tlv.ts';
import { verifyArqc } from './arqc.ts';
import {
  arqcDataFromIccData,
  CID,
  cryptogramVersionOf,
  decodeIssuerApplicationData,
  encodeIssuerApplicationData,
} from './iad.ts';

const h = hexToBytes;
// DE55 as a terminal would send it, with the cvnMastercard vector values (CVN 20).
const de55 =
  '9F2608CD29615D6452E70E9F2701809F10120114A00003220000000000000000000000009F3602001C' +
  '9F02060000000099999F03060000000000009F1A020124950580000000005F2A0201249A032099069C0100' +
  '9F3704ABCDEF12820218009F34031F0302';

describe('IAD and ICC data', () => {
  it('encodes and decodes the 18-byte IAD', () => {
    const iad = {
      kdi: 1,
      cvn: 0x14,
      cvr: h('A00003220000'),
      dac: h('0000'),
      counters: new Uint8Array(8),
    };
    const bytes = encodeIssuerApplicationData(iad);
    expect(bytesToHex(bytes)).toBe('0114A00003220000' + '0000' + '0000000000000000');
    expect(decodeIssuerApplicationData(bytes)).toEqual(iad);
    expect(decodeIssuerApplicationData(bytes.subarray(1))).toBeUndefined();
    expect(cryptogramVersionOf(0x14)).toBe(20);
    expect(cryptogramVersionOf(0x11)).toBeUndefined();
    expect(CID.ARQC).toBe(0x80);
  });

  it('collects ARQC data from DE55 so the network can verify the cryptogram', () => {
    const collected = arqcDataFromIccData(decodeTlvOrThrow(h(de55)));
    expect(collected.ok).toBe(true);
    if (!collected.ok) return;
    const result = verifyArqc({
      cipher: nodeBlockCipher,
      imk: h('0123456789ABCDEFFEDCBA9876543210'),
      pan: '1234567890123456',
      psn: '00',
      cvn: cryptogramVersionOf(collected.value.iad.cvn) ?? 20,
      data: collected.value.data,
      arqc: h('CD29615D6452E70E'),
    });
    expect(result.valid).toBe(true);
  });

  it('reports missing tags, bad lengths and a bad IAD as values', () => {
    const withoutUn = de55.replace('9F3704ABCDEF12', '');
    expect(arqcDataFromIccData(decodeTlvOrThrow(h(withoutUn)))).toEqual({
      ok: false,
      error: { code: 'ICC_DATA_MISSING_TAG', tag: '9F37' },
    });
    const shortUn = de55.replace('9F3704ABCDEF12', '9F3703ABCDEF');
    expect(arqcDataFromIccData(decodeTlvOrThrow(h(shortUn)))).toEqual({
      ok: false,
      error: { code: 'ICC_DATA_BAD_LENGTH', tag: '9F37' },
    });
    const noIad = de55.replace('9F10120114A0000322000000000000000000000000', '');
    expect(arqcDataFromIccData(decodeTlvOrThrow(h(noIad)))).toEqual({
      ok: false,
      error: { code: 'ICC_DATA_BAD_IAD' },
    });
  });
});
