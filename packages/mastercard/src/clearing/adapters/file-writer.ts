import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { encodeClearingRecord, type Iso8583Message } from '@tapkit/emv';
import {
  addToTotals,
  type ClearingHeader,
  type ClearingTotals,
  emptyTotals,
  headerMessage,
  type PresentmentRecord,
  presentmentMessage,
  recordCountMax,
  totalAmountMinorMax,
  trailerMessage,
  validateRecord,
} from '../domain/record.ts';

// Streams a clearing file: header, records as they come, trailer with the running totals. Records are
// framed (4-byte big-endian length) and gathered into chunks of about chunkBytes before they are
// written, and a full stream buffer is waited for ('drain'), so memory stays flat whatever the size.

export interface ClearingFileSummary {
  readonly fileId: string;
  readonly recordCount: number;
  readonly totals: ClearingTotals;
  readonly bytesWritten: number;
}

const chunkBytes = 64 * 1024;

export class ClearingFileWriter {
  private totals: ClearingTotals = emptyTotals;
  private recordCount = 0;
  private bytesWritten = 0;
  private parts: Uint8Array[] = [];
  private partsBytes = 0;
  private closed = false;

  private constructor(
    private readonly out: Writable,
    private readonly header: ClearingHeader,
  ) {}

  /** Opens a writer on a stream (a file stream, a socket, a PassThrough in tests) and writes the header. */
  static async toStream(out: Writable, header: ClearingHeader): Promise<ClearingFileWriter> {
    const writer = new ClearingFileWriter(out, header);
    await writer.append(headerMessage(header));
    return writer;
  }

  static async toFile(path: string, header: ClearingHeader): Promise<ClearingFileWriter> {
    return ClearingFileWriter.toStream(createWriteStream(path), header);
  }

  /** Appends one first presentment. Throws on an invalid record (the caller validated it: a bug). */
  async write(record: PresentmentRecord): Promise<void> {
    if (this.closed) throw new Error('clearing writer: write after finish');
    const error = validateRecord(record);
    if (error !== undefined) throw new RangeError(`clearing writer: ${error.detail}`);
    if (this.recordCount >= recordCountMax) throw new RangeError('clearing writer: recordCountMax reached');
    const totals = addToTotals(this.totals, record);
    if (totals.purchaseAmountMinor > totalAmountMinorMax || totals.refundAmountMinor > totalAmountMinorMax) {
      throw new RangeError('clearing writer: amount total above 16 digits');
    }
    this.totals = totals;
    this.recordCount += 1;
    // Message numbers: the header is 1, records follow.
    await this.append(presentmentMessage(record, this.recordCount + 1));
  }

  /** Writes the trailer, flushes and closes the stream. */
  async finish(): Promise<ClearingFileSummary> {
    if (this.closed) throw new Error('clearing writer: finish called twice');
    await this.append(trailerMessage({ fileId: this.header.fileId, ...this.totals }, this.recordCount + 2));
    this.closed = true;
    await this.flush();
    this.out.end();
    await finished(this.out);
    return {
      fileId: this.header.fileId,
      recordCount: this.recordCount,
      totals: this.totals,
      bytesWritten: this.bytesWritten,
    };
  }

  private async append(message: Iso8583Message): Promise<void> {
    const frame = encodeClearingRecord(message);
    this.parts.push(frame);
    this.partsBytes += frame.length;
    this.bytesWritten += frame.length;
    if (this.partsBytes >= chunkBytes) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.partsBytes === 0) return;
    const chunk = Buffer.concat(this.parts, this.partsBytes);
    this.parts = [];
    this.partsBytes = 0;
    if (!this.out.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        this.out.once('error', onError);
        this.out.once('drain', () => {
          this.out.off('error', onError);
          resolve();
        });
      });
    }
  }
}
