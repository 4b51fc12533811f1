import { acquirerReferenceNumber, type PresentmentRecord } from '../domain/record.ts';
import { type ClearingFileSummary, ClearingFileWriter } from './file-writer.ts';

// A clearing file of N made-up records, for load tests (`tapkit bench`) and the clearing tests.
// Deterministic: record i is the same in every run. Every tenth record is a refund.

export function syntheticRecord(index: number): PresentmentRecord {
  const kind = index % 10 === 9 ? 'REFUND' : 'PURCHASE';
  return {
    kind,
    amountMinor: BigInt(100 + ((index * 7_919) % 1_000_000)),
    currencyNumeric: '840',
    acquirerReferenceNumber: acquirerReferenceNumber({
      acquirerBin: '541333',
      yddd: '6330',
      sequence: BigInt(index),
    }),
    approvalCode: String(index % 1_000_000).padStart(6, '0'),
    networkTraceId: `T${index.toString(16).toUpperCase().padStart(20, '0')}`,
    localDateTime: '261125120000',
    tokenUniqueReference: `DM4MMC${String(index % 50_000).padStart(10, '0')}`,
    fundingReference: `CUST${String(index % 50_000).padStart(8, '0')}`,
    merchantId: 'TAPKITMERCH0001',
    terminalId: 'TERM0001',
  };
}

export async function writeSyntheticClearingFile(
  path: string,
  recordCount: number,
  options: { fileId?: string; createdDateTime?: string } = {},
): Promise<ClearingFileSummary> {
  if (!Number.isInteger(recordCount) || recordCount < 0)
    throw new RangeError('recordCount must be a whole number');
  const writer = await ClearingFileWriter.toFile(path, {
    fileId: options.fileId ?? `SYNTH-${recordCount}`,
    createdDateTime: options.createdDateTime ?? '261125235959',
  });
  for (let index = 0; index < recordCount; index++) await writer.write(syntheticRecord(index));
  return writer.finish();
}
