import { concatBytes } from '../bytes.ts';
import { err, ok, type Result } from '../result.ts';

// Length-prefixed framing. TCP links carry each ISO 8583 message behind a 2-byte big-endian length
// (tapkit); clearing files put a 4-byte big-endian length before each record.

export type FramingErrorCode = 'FRAME_TOO_LARGE' | 'FRAME_EMPTY' | 'FRAMER_FAILED';

export class FramingError extends Error {
  override readonly name = 'FramingError';
  constructor(
    readonly code: FramingErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export interface FramingOptions {
  /** 2 for TCP messages, 4 for clearing file records. */
  readonly prefixBytes: 2 | 4;
  /** Largest frame body accepted, in bytes; larger announced lengths fail the stream. */
  readonly frameBytesMax: number;
}

export const tcpFraming: FramingOptions = { prefixBytes: 2, frameBytesMax: 8_192 };
export const clearingRecordFraming: FramingOptions = { prefixBytes: 4, frameBytesMax: 8_192 };

function prefixMax(prefixBytes: 2 | 4): number {
  return prefixBytes === 2 ? 0xffff : 0xffff_ffff;
}

/** Prepends the big-endian length. Throws FramingError for empty or oversized bodies (a bug). */
export function encodeFrame(body: Uint8Array, options: FramingOptions = tcpFraming): Uint8Array {
  if (body.length === 0) throw new FramingError('FRAME_EMPTY', 'empty frame body');
  if (body.length > options.frameBytesMax || body.length > prefixMax(options.prefixBytes)) {
    throw new FramingError('FRAME_TOO_LARGE', `${body.length} bytes above ${options.frameBytesMax}`);
  }
  const prefix = new Uint8Array(options.prefixBytes);
  let length = body.length;
  for (let i = options.prefixBytes - 1; i >= 0; i--) {
    prefix[i] = length & 0xff;
    length = Math.floor(length / 256);
  }
  return concatBytes(prefix, body);
}

/**
 * Streaming deframer: push chunks as they arrive (any split, several frames per chunk); it returns
 * the complete bodies. Buffered bytes never exceed prefix + frameBytesMax. After an error the
 * stream is out of sync, so the deframer stays failed and the caller closes the connection.
 */
export class FrameDecoder {
  private buffer: Uint8Array = new Uint8Array(0);
  private failure: FramingError | undefined;

  constructor(private readonly options: FramingOptions = tcpFraming) {}

  push(chunk: Uint8Array): Result<Uint8Array[], FramingError> {
    if (this.failure) return err(new FramingError('FRAMER_FAILED', `earlier error: ${this.failure.code}`));
    const buffer = this.buffer.length === 0 ? chunk : concatBytes(this.buffer, chunk);
    const { prefixBytes, frameBytesMax } = this.options;
    const frames: Uint8Array[] = [];
    let offset = 0;
    // Each iteration consumes a whole frame, so the loop is bounded by the buffer length.
    while (buffer.length - offset >= prefixBytes) {
      const length = announcedLength(buffer, offset, prefixBytes);
      if (length === 0 || length > frameBytesMax) {
        this.failure = new FramingError(
          length === 0 ? 'FRAME_EMPTY' : 'FRAME_TOO_LARGE',
          `announced ${length} bytes (max ${frameBytesMax})`,
        );
        this.buffer = new Uint8Array(0);
        return err(this.failure);
      }
      const end = offset + prefixBytes + length;
      if (buffer.length < end) break;
      frames.push(buffer.slice(offset + prefixBytes, end));
      offset = end;
    }
    // Copy the remainder so the caller's chunk is never retained or aliased.
    this.buffer = buffer.slice(offset);
    return ok(frames);
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get bufferedBytes(): number {
    return this.buffer.length;
  }
}

function announcedLength(buffer: Uint8Array, offset: number, prefixBytes: number): number {
  let length = 0;
  for (let i = 0; i < prefixBytes; i++) length = length * 256 + (buffer[offset + i] ?? 0);
  return length;
}
