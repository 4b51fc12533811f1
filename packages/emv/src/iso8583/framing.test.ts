import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from '../bytes.ts';
import { clearingRecordFraming, encodeFrame, FrameDecoder, FramingError } from './framing.ts';

describe('length framing', () => {
  it('prefixes a 2-byte big-endian length for TCP and 4 bytes for clearing records', () => {
    expect(bytesToHex(encodeFrame(new Uint8Array(300)).subarray(0, 2))).toBe('012C');
    expect(bytesToHex(encodeFrame(new Uint8Array(300), clearingRecordFraming).subarray(0, 4))).toBe(
      '0000012C',
    );
  });

  it('refuses empty and oversized bodies', () => {
    expect(() => encodeFrame(new Uint8Array(0))).toThrow(FramingError);
    expect(() => encodeFrame(new Uint8Array(8_193))).toThrow(
      expect.objectContaining({ code: 'FRAME_TOO_LARGE' }),
    );
  });

  it('handles a frame split across chunks and several frames in one chunk', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(hexToBytes('00'))).toEqual({ ok: true, value: [] });
    expect(decoder.push(hexToBytes('03AA'))).toEqual({ ok: true, value: [] });
    expect(decoder.bufferedBytes).toBe(3);
    const result = decoder.push(hexToBytes('BBCC0001DD0002EE'));
    expect(result).toEqual({ ok: true, value: [hexToBytes('AABBCC'), hexToBytes('DD')] });
    expect(decoder.bufferedBytes).toBe(3);
    expect(decoder.push(hexToBytes('FF'))).toEqual({ ok: true, value: [hexToBytes('EEFF')] });
  });

  it('fails the stream on an announced length above the maximum and stays failed', () => {
    const decoder = new FrameDecoder({ prefixBytes: 2, frameBytesMax: 100 });
    const first = decoder.push(hexToBytes('0065'));
    expect(!first.ok && first.error.code).toBe('FRAME_TOO_LARGE');
    const next = decoder.push(concatBytes(encodeFrame(new Uint8Array(1))));
    expect(!next.ok && next.error.code).toBe('FRAMER_FAILED');
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('fails on a zero-length frame', () => {
    const result = new FrameDecoder().push(hexToBytes('0000'));
    expect(!result.ok && result.error.code).toBe('FRAME_EMPTY');
  });
});
