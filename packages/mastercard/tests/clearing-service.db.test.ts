import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '@tapkit/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KyselyClearingStore } from '../src/clearing/adapters/clearing-store.ts';
import { type ClearingFileEvent, readClearingFileAt } from '../src/clearing/adapters/file-reader.ts';
import type { ClearingFileSummary } from '../src/clearing/adapters/file-writer.ts';
import { acquirerReferenceNumber } from '../src/clearing/domain/record.ts';
import { ClearingService } from '../src/clearing/service.ts';
import { KyselyAuthorizationLog } from '../src/network/adapters/network-store-kysely.ts';
import type { AuthorizationEntry } from '../src/network/ports.ts';
import { InMemoryTokenDirectory, testToken } from './support/card.ts';
import { type NetworkTestDb, networkTestEngines } from './support/network-engines.ts';

// The clearing desk: submissions during the day, one file at the end of it, delivered to the issuer
// side, and authorizations told they were presented (which stops their expiry timers). Submissions
// and authorizations are stored in SQL, on every engine.

const token = testToken();

const arn = (sequence: bigint) => acquirerReferenceNumber({ acquirerBin: '123456', yddd: '6330', sequence });

const authorization: AuthorizationEntry = {
  networkTraceId: 'TAAAA',
  acquirerKey: '123456|000001|1125120000',
  tokenUniqueReference: token.tokenUniqueReference,
  fundingReference: token.fundingReference,
  processingCode: '000000',
  amountMinor: 1_250n,
  currencyNumeric: '840',
  type: 'FINAL',
  responseCode: '00',
  approvalCode: '123456',
  standIn: false,
  authorizedAtMs: 0,
  originalNetworkTraceId: undefined,
  merchantId: 'TAPKITMERCH0001',
  terminalId: 'TERM0001',
};

for (const engine of networkTestEngines()) {
  let handle: NetworkTestDb;
  let directory: string;
  let presented: string[];
  let delivered: { path: string; businessDay: string; summary: ClearingFileSummary }[];
  let service: ClearingService;
  let recordCount = 0;

  function newService(): ClearingService {
    return new ClearingService({
      clock: new VirtualClock(Date.UTC(2026, 10, 25, 23, 59, 30)),
      authorizations: new KyselyAuthorizationLog(handle.db),
      tokens: new InMemoryTokenDirectory([token]),
      delivery: { clearingFileWritten: async (file) => void delivered.push(file) },
      onPresented: (traceId) => presented.push(traceId),
      directory,
      store: new KyselyClearingStore(handle.db),
      newRecordId: () => `R${String(++recordCount).padStart(8, '0')}`,
      pendingRecordsMax: 10,
    });
  }

  beforeEach(async () => {
    handle = await engine.open();
    directory = await mkdtemp(join(tmpdir(), 'tapkit-clearing-day-'));
    await new KyselyAuthorizationLog(handle.db).save(authorization);
    presented = [];
    delivered = [];
    service = newService();
  });

  afterEach(async () => {
    await handle.close();
    await rm(directory, { recursive: true, force: true });
  });

  describe(`ClearingService on ${engine.name}`, () => {
    it('writes the day file from presented authorizations and direct submissions', async () => {
      expect(
        await service.presentAuthorization({
          networkTraceId: 'TAAAA',
          acquirerReferenceNumber: arn(1n),
          localDateTime: '261125120000',
          amountMinor: 1_000n,
        }),
      ).toEqual({ ok: true });
      expect(presented).toEqual(['TAAAA']);
      // A clearing without authorization (offline): the token PAN gives the references.
      expect(
        await service.submitForClearing({
          kind: 'REFUND',
          amountMinor: 300n,
          currencyNumeric: '840',
          acquirerReferenceNumber: arn(2n),
          localDateTime: '261125130000',
          tokenPan: token.tokenPan,
        }),
      ).toEqual({ ok: true });

      const { path, summary } = await service.closeBusinessDay('20261125');
      expect(path).toBe(join(directory, 'clearing-20261125.ipm'));
      expect(summary.totals).toEqual({
        purchaseCount: 1,
        purchaseAmountMinor: 1_000n,
        refundCount: 1,
        refundAmountMinor: 300n,
      });
      expect(delivered.map((file) => file.businessDay)).toEqual(['20261125']);
      expect(await service.pendingCount()).toBe(0);

      const events: ClearingFileEvent[] = [];
      for await (const event of readClearingFileAt(path)) events.push(event);
      expect(events[0]).toEqual({
        type: 'header',
        header: { fileId: 'MC-20261125', createdDateTime: '261125235930' },
      });
      const records = events.flatMap((event) => (event.type === 'record' ? [event.record] : []));
      expect(records[0]).toMatchObject({
        kind: 'PURCHASE',
        amountMinor: 1_000n,
        networkTraceId: 'TAAAA',
        approvalCode: '123456',
        tokenUniqueReference: token.tokenUniqueReference,
        fundingReference: token.fundingReference,
      });
      expect(records[1]).toMatchObject({ kind: 'REFUND', amountMinor: 300n, networkTraceId: undefined });
      expect(events.at(-1)?.type).toBe('accepted');
    });

    it('refuses unknown authorizations and tokens, and invalid records', async () => {
      const base = {
        kind: 'PURCHASE' as const,
        amountMinor: 1n,
        currencyNumeric: '840',
        localDateTime: '261125120000',
      };
      const unknownTrace = await service.submitForClearing({
        ...base,
        acquirerReferenceNumber: arn(3n),
        networkTraceId: 'TZZZ',
      });
      expect(unknownTrace.ok ? '' : unknownTrace.error.code).toBe('CLEARING_AUTHORIZATION_UNKNOWN');
      const unknownToken = await service.submitForClearing({
        ...base,
        acquirerReferenceNumber: arn(4n),
        tokenPan: '5413330000000035',
      });
      expect(unknownToken.ok ? '' : unknownToken.error.code).toBe('CLEARING_TOKEN_UNKNOWN');
      const badArn = await service.submitForClearing({
        ...base,
        acquirerReferenceNumber: '12',
        tokenPan: token.tokenPan,
      });
      expect(badArn.ok ? '' : badArn.error.code).toBe('CLEARING_RECORD_INVALID');
      expect(await service.pendingCount()).toBe(0);
      expect(presented).toEqual([]);
    });

    it('refuses submissions beyond pendingRecordsMax', async () => {
      const submission = (i: number) => ({
        kind: 'PURCHASE' as const,
        amountMinor: 1n,
        currencyNumeric: '840',
        localDateTime: '261125120000',
        acquirerReferenceNumber: arn(BigInt(i)),
        tokenPan: token.tokenPan,
      });
      for (let i = 0; i < 10; i++) expect((await service.submitForClearing(submission(i))).ok).toBe(true);
      const refused = await service.submitForClearing(submission(10));
      expect(refused.ok ? '' : refused.error.code).toBe('CLEARING_DAY_FULL');
    });

    it('keeps submissions across a restart and files each one once', async () => {
      const submission = (i: number) => ({
        kind: 'PURCHASE' as const,
        amountMinor: BigInt(100 + i),
        currencyNumeric: '840',
        localDateTime: '261125120000',
        acquirerReferenceNumber: arn(BigInt(100 + i)),
        tokenPan: token.tokenPan,
      });
      expect((await service.submitForClearing(submission(1))).ok).toBe(true);
      expect((await service.submitForClearing(submission(2))).ok).toBe(true);
      const restarted = newService();
      expect(await restarted.pendingCount()).toBe(2);
      const first = await restarted.closeBusinessDay('20261125');
      expect(first.summary.totals.purchaseAmountMinor).toBe(203n);
      expect((await restarted.submitForClearing(submission(3))).ok).toBe(true);
      const second = await restarted.closeBusinessDay('20261126');
      expect(second.summary.recordCount).toBe(1);
      expect(second.summary.totals.purchaseAmountMinor).toBe(103n);
      expect(await restarted.pendingCount()).toBe(0);
    });
  });
}
