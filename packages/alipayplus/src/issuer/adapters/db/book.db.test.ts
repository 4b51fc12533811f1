import type { DbHandle } from '@tapkit/storage';
import { testEngines } from '@tapkit/storage/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planClearing, planPurchase, planReversal } from '../../domain/conversion.ts';
import { noDelta } from '../../domain/types.ts';
import {
  commitPlan,
  insertAuthorization,
  loadAuthorization,
  parseCall,
  runTx,
  serializeCall,
  setPaymentStatus,
} from './book.ts';
import { issuerMigrations } from './migrations.ts';
import type { IssuerDatabase } from './schema.ts';

// The book on every engine: amounts exact as bigint, each effect applied once, outbox rows written with it.

const T0 = Date.parse('2026-11-25T02:00:00Z');

describe.each(testEngines<IssuerDatabase>(issuerMigrations))('authorization book on $name', (engine) => {
  let handle: DbHandle<IssuerDatabase>;
  beforeEach(async () => {
    handle = await engine.open();
  });
  afterEach(async () => {
    await handle.close();
  });

  async function openAuthorization(trace: string, amountMinor: bigint) {
    const plan = planPurchase({ networkTraceId: trace, type: 'FINAL', amountMinor, nowMs: T0 });
    await runTx(handle, async (tx) => {
      await insertAuthorization(
        tx,
        {
          networkTraceId: trace,
          type: 'FINAL',
          state: 'OPEN',
          tokenUniqueReference: 'TUR1',
          customerId: 'C1',
          mppId: 'MPP',
          merchantId: 'M1',
          merchantName: undefined,
          mcc: undefined,
          terminalId: undefined,
          acquirerId: undefined,
          currency: 'HKD',
          expiresAtMs: plan.expiresAtMs!,
          faults: [],
          details: {},
        },
        T0,
      );
      const auth = (await loadAuthorization(tx, trace))!;
      await commitPlan(tx, {
        auth,
        effectKey: `AUTH|${trace}`,
        plan,
        nowMs: T0,
        messageTraceId: trace,
        syncPayRequestId: `${trace}-P`,
      });
      await setPaymentStatus(tx, `${trace}-P`, 'SUCCESS', T0, { paymentId: 'MPP-1' });
    });
  }

  it('applies an effect once: the same key again changes no amount and writes no outbox row', async () => {
    const big = 9_223_372_036_854_775_000n;
    await openAuthorization('T1', big);
    const auth = (await loadAuthorization(handle.db, 'T1'))!;
    expect(auth).toMatchObject({ authorizedMinor: big, state: 'OPEN' });
    expect(auth.payments).toMatchObject([
      { paymentRequestId: 'T1-P', status: 'SUCCESS', paymentId: 'MPP-1', amountMinor: big },
    ]);
    const plan = planReversal(auth, {
      scope: auth.payments,
      replacementMinor: 400n,
      nowMs: T0,
      idBase: 'T1-V400',
    });
    const first = await runTx(handle, (tx) =>
      commitPlan(tx, { auth, effectKey: 'REVERSAL|T1|400', plan, nowMs: T0, messageTraceId: 'T1' }),
    );
    const second = await runTx(handle, (tx) =>
      commitPlan(tx, { auth, effectKey: 'REVERSAL|T1|400', plan, nowMs: T0, messageTraceId: 'T1' }),
    );
    expect(first).toEqual(plan.calls);
    expect(second).toBe(false);
    const after = (await loadAuthorization(handle.db, 'T1'))!;
    expect(after.reversedMinor).toBe(big - 400n);
    expect(after.payments[0]?.refundedMinor).toBe(big - 400n);
    const outbox = await handle.db.selectFrom('issuer_calls').selectAll().execute();
    expect(outbox.map((row) => parseCall(row.call))).toEqual(plan.calls);
  });

  it('a clearing adjustment adds a PENDING payment and its outbox row in the same transaction', async () => {
    await openAuthorization('T2', 1000n);
    const auth = (await loadAuthorization(handle.db, 'T2'))!;
    const plan = planClearing(auth, { amountMinor: 1200n, idBase: 'ARN1' });
    await runTx(handle, (tx) =>
      commitPlan(tx, { auth, effectKey: 'CLEARING|ARN1', plan, nowMs: T0, messageTraceId: 'T2' }),
    );
    const after = (await loadAuthorization(handle.db, 'T2'))!;
    expect(after).toMatchObject({ state: 'CLEARED', clearedMinor: 1200n });
    expect(after.payments.map((p) => [p.paymentRequestId, p.kind, p.status, p.amountMinor])).toEqual([
      ['T2-P', 'FINAL', 'SUCCESS', 1000n],
      ['ARN1-CA', 'CLEARING_ADJUSTMENT', 'PENDING', 200n],
    ]);
    expect(await handle.db.selectFrom('issuer_calls').select('call_key').execute()).toEqual([
      { call_key: 'pay:ARN1-CA' },
    ]);
  });

  it('serializes calls with bigint amounts exactly', () => {
    const call = {
      api: 'refund' as const,
      refundRequestId: 'R',
      paymentRequestId: 'P',
      amountMinor: 12345678901234567n,
    };
    expect(parseCall(serializeCall(call))).toEqual(call);
    expect(noDelta.authorizedMinor).toBe(0n);
  });
});
