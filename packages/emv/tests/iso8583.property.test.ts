import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../src/bytes.ts';
import { decodeIso8583, encodeIso8583 } from '../src/iso8583/codec.ts';
import { Iso8583DecodeError } from '../src/iso8583/errors.ts';
import { iso8583v1987 } from '../src/iso8583/fields1987.ts';
import { iso8583v1993Clearing } from '../src/iso8583/fields1993.ts';
import { encodeFrame, FrameDecoder, FramingError } from '../src/iso8583/framing.ts';
import { messageArbitrary } from './arbitraries.ts';

describe.each([
  ['1987', iso8583v1987],
  ['1993 clearing', iso8583v1993Clearing],
])('ISO 8583 %s properties', (_name, spec) => {
  it('decode(encode(message)) is the message', () => {
    fc.assert(
      fc.property(messageArbitrary(spec), (message) => {
        expect(decodeIso8583(spec, encodeIso8583(spec, message))).toEqual({ ok: true, value: message });
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes give a message or an Iso8583DecodeError value, never a throw', () => {
    const mtiThenGarbage = fc
      .tuple(fc.integer({ min: 0, max: 999 }), fc.uint8Array({ maxLength: 600 }))
      .map(([n, rest]) =>
        concatBytes(new TextEncoder().encode(spec.versionDigit + String(n).padStart(3, '0')), rest),
      );
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), mtiThenGarbage), (bytes) => {
        const result = decodeIso8583(spec, bytes);
        if (!result.ok) expect(result.error).toBeInstanceOf(Iso8583DecodeError);
      }),
      { numRuns: 2_000 },
    );
  });

  it('corrupted valid messages give a message or an Iso8583DecodeError value, never a throw', () => {
    const corrupted = fc
      .tuple(
        messageArbitrary(spec),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
        fc.nat(),
      )
      .map(([message, edits, cut]) => {
        const bytes = encodeIso8583(spec, message);
        for (const [position, byte] of edits) bytes[position % bytes.length] = byte;
        return bytes.subarray(0, cut % (bytes.length + 1));
      });
    fc.assert(
      fc.property(corrupted, (bytes) => {
        const result = decodeIso8583(spec, bytes);
        if (!result.ok) expect(result.error).toBeInstanceOf(Iso8583DecodeError);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('framing properties', () => {
  it('any split of a stream of frames gives back the bodies in order', () => {
    const bodies = fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 10 });
    fc.assert(
      fc.property(bodies, fc.array(fc.nat(), { maxLength: 12 }), (messages, cutPoints) => {
        const stream = concatBytes(...messages.map((body) => encodeFrame(body)));
        const cuts = [...new Set(cutPoints.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
        const decoder = new FrameDecoder();
        const received: Uint8Array[] = [];
        let start = 0;
        for (const end of [...cuts, stream.length]) {
          const result = decoder.push(stream.subarray(start, end));
          expect(result.ok).toBe(true);
          if (result.ok) received.push(...result.value);
          start = end;
        }
        expect(received).toEqual(messages);
        expect(decoder.bufferedBytes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('random chunks never throw and never buffer more than one maximal frame', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 500 }), { maxLength: 20 }), (chunks) => {
        const decoder = new FrameDecoder({ prefixBytes: 2, frameBytesMax: 1_000 });
        for (const chunk of chunks) {
          const result = decoder.push(chunk);
          if (!result.ok) expect(result.error).toBeInstanceOf(FramingError);
          expect(decoder.bufferedBytes).toBeLessThan(2 + 1_000);
        }
      }),
      { numRuns: 500 },
    );
  });
});
