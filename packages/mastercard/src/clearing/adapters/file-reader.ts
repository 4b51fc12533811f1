import { createReadStream } from 'node:fs';
import { type ClearingReaderLimits, readClearingFile } from '@tapkit/emv';

// The streaming clearing file reader is pure and shared with the issuer processor, so it lives in
// @tapkit/emv (src/clearing/reader.ts, with its tests); this adapter adds reading from a path.
export {
  type ClearingFileAccepted,
  type ClearingFileError,
  type ClearingFileErrorCode,
  type ClearingFileEvent,
  type ClearingReaderLimits,
  type ClearingStage,
  defaultClearingReaderLimits,
  ingestClearingFile,
  readClearingFile,
} from '@tapkit/emv';

export function readClearingFileAt(path: string, limits?: ClearingReaderLimits) {
  return readClearingFile(createReadStream(path, { highWaterMark: 256 * 1024 }), limits);
}
