import { type FieldValue, getText, type Iso8583Message } from '@tapkit/emv';
import { retrySchedule, VirtualClock } from '@tapkit/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KyselyAdviceStore, KyselyAuthorizationLog } from '../src/network/adapters/network-store-kysely.ts';
import { AdviceSender } from '../src/network/advice-sender.ts';
import { silentLogger } from '../src/network/logger.ts';
import type { AuthorizationEntry, IssuerExchangeResult, IssuerLink } from '../src/network/ports.ts';
import { type NetworkTestDb, networkTestEngines } from './support/network-engines.ts';

// The network's authorization log and advice queue on every engine, and an advice that survives a
// restart of the network: stored by one AdviceSender, sent by the next one after resume().

const entry: AuthorizationEntry = {
  networkTraceId: 'T0001',
  acquirerKey: '123456|000001|1125120000',
  tokenUniqueReference: 'TUR',
  fundingReference: 'CUST',
  processingCode: '000000',
  amountMinor: 9_007_199_254_740_993n,
  currencyNumeric: '840',
  type: 'PRE_AUTHORIZATION',
  responseCode: '00',
  approvalCode: undefined,
  standIn: true,
  authorizedAtMs: 1_000,
  originalNetworkTraceId: undefined,
  merchantId: 'M',
  terminalId: undefined,
};

const advice: Iso8583Message = {
  mti: '0120',
  fields: new Map<number, FieldValue>([
    [3, '000000'],
    [4, '000000001000'],
    [11, '000001'],
    [38, 'S12345'],
    [39, '00'],
    [48, [{ id: '01', value: 'TUR' }]],
    [63, 'T0001'],
  ]),
};

/** An issuer link whose answers the test decides, no TCP. */
class ScriptedIssuer implements IssuerLink {
  readonly sent: Iso8583Message[] = [];
  answering = false;
  async exchange(request: Iso8583Message): Promise<IssuerExchangeResult> {
    this.sent.push(request);
    if (!this.answering) return { ok: false, error: { code: 'ISSUER_UNAVAILABLE' } };
    const fields = new Map(request.fields);
    fields.set(39, '00');
    return { ok: true, value: { mti: '0130', fields } };
  }
}

for (const engine of networkTestEngines()) {
  describe(`network stores on ${engine.name}`, () => {
    let handle: NetworkTestDb;

    beforeEach(async () => {
      handle = await engine.open();
    });

    afterEach(async () => {
      await handle.close();
    });

    it('keeps authorization entries exactly, found by trace id and by acquirer key', async () => {
      const log = new KyselyAuthorizationLog(handle.db);
      await log.save(entry);
      expect(await log.findByTraceId('T0001')).toEqual(entry);
      expect(await log.findByAcquirerKey(entry.acquirerKey)).toEqual(entry);
      expect(await log.findByTraceId('T0002')).toBeUndefined();
      await log.save({ ...entry, responseCode: '05' });
      expect((await log.findByTraceId('T0001'))?.responseCode).toBe('05');
    });

    it('sends a stored advice after a restart until the issuer acknowledges it', async () => {
      const clock = new VirtualClock(0);
      const issuer = new ScriptedIssuer();
      const store = new KyselyAdviceStore(handle.db);
      let id = 0;
      const config = {
        retry: retrySchedule([1_000]),
        attemptTimeoutMs: 500,
        attemptCountMax: 2,
        queueSizeMax: 10,
      };
      const deps = { issuer, store, clock, logger: silentLogger, newAdviceId: () => `A${++id}` };
      const first = new AdviceSender(deps, config);
      await first.enqueue(advice);
      // Storage is real I/O (PostgreSQL), so wait for each attempt to finish before moving time on.
      await clock.advanceMs(1_000);
      await vi.waitFor(() => expect(issuer.sent).toHaveLength(1));
      await vi.waitFor(() => expect(clock.pendingTimerCount()).toBe(1));
      await clock.advanceMs(1_000);
      // Two attempts, both unanswered: this process gives up, the advice stays stored.
      await vi.waitFor(() => expect(first.pendingCount()).toBe(0));
      expect(issuer.sent).toHaveLength(2);
      expect((await store.pending(10)).map((stored) => [stored.adviceId, stored.attemptCount])).toEqual([
        ['A1', 2],
      ]);

      const restarted = new AdviceSender(deps, config);
      expect(await restarted.resume()).toBe(1);
      issuer.answering = true;
      await clock.advanceMs(1_000);
      await vi.waitFor(() => expect(restarted.pendingCount()).toBe(0));
      expect(await store.pending(10)).toEqual([]);
      const resent = issuer.sent[2];
      expect(resent?.mti).toBe('0120');
      expect(resent === undefined ? '' : getText(resent, 38)).toBe('S12345');
      expect(restarted.recentAcknowledgements().map((message) => message.mti)).toEqual(['0130']);
    });
  });
}
