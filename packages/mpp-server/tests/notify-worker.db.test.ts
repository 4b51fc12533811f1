import { VirtualClock } from '@tapkit/protocol';
import type { SignedClient } from '@tapkit/protocol/node';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type DbHandle, openDatabase } from '../src/adapters/db/open.ts';
import { listStoppedNotify, openNotify, readOutbox } from '../src/adapters/db/outbox-repository.ts';
import { NotifyWorker } from '../src/notify/notify-worker.ts';
import { type AlipayStub, mppClient, startAlipayStub } from './support/alipay-stub.ts';
import { testEngines } from './support/engines.ts';

const startMs = Date.UTC(2026, 10, 25, 4, 0, 0);
const s = 1_000;
const h = 3_600 * s;

async function seedPayment(
  handle: DbHandle,
  id: string,
  nowMs: number,
  overrides: { status?: 'SUCCESS' | 'FAILED' | 'CANCELLED'; resultCode?: string } = {},
): Promise<void> {
  await handle.db.transaction().execute(async (tx) => {
    await tx
      .insertInto('payments')
      .values({
        payment_request_id: id,
        payment_id: `P-${id}`,
        status: overrides.status ?? 'SUCCESS',
        result_code: overrides.resultCode ?? 'SUCCESS',
        customer_id: 'C-1',
        payment_currency: 'USD',
        payment_minor: 1250,
        pay_to_currency: 'HKD',
        pay_to_minor: 9700,
        payment_time_ms: nowMs,
        pay_day: 0,
        created_at_ms: nowMs,
        updated_at_ms: nowMs,
      })
      .execute();
    await openNotify(tx, id, nowMs);
  });
}

/** A second connection pool on the same database (PostgreSQL); SQLite in memory can only share its handle. */
async function secondHandle(handle: DbHandle): Promise<DbHandle> {
  const url = process.env.TAPKIT_TEST_POSTGRES_URL;
  if (handle.engine !== 'postgres' || url === undefined) return handle;
  const found = await sql<{ schema: string }>`select current_schema() as schema`.execute(handle.db);
  const schema = found.rows[0]?.schema;
  if (schema === undefined) throw new Error('no current schema');
  return openDatabase(url, { schema, poolSizeMax: 5 });
}

async function attempts(handle: DbHandle, id: string) {
  return handle.db
    .selectFrom('notify_attempts')
    .selectAll()
    .where('outbox_id', '=', id)
    .orderBy('attempt_no')
    .execute();
}

describe.each(testEngines())('notify worker on $name', (engine) => {
  let handle: DbHandle;
  let clock: VirtualClock;
  let stub: AlipayStub;
  let client: SignedClient;
  let worker: NotifyWorker;

  beforeAll(async () => {
    clock = new VirtualClock(startMs);
    stub = await startAlipayStub(clock);
    client = mppClient(stub.url, clock);
  });
  afterAll(async () => {
    await client.close();
    await stub.close();
  });
  beforeEach(async () => {
    clock.setMs(startMs);
    stub.mode = 'ack_S';
    stub.received.length = 0;
    handle = await engine.open();
    worker = new NotifyWorker({ handle, client, clock, workerId: 'w1' });
  });
  afterEach(async () => {
    stub.releaseHung();
    await worker.stop();
    await handle.close();
  });

  it('sends the current state once and stops on an S acknowledgement', async () => {
    await seedPayment(handle, 'PR-S', startMs);
    expect(await worker.pollOnce()).toBe(1);
    expect(stub.received).toHaveLength(1);
    expect(stub.received[0]!.body).toMatchObject({
      paymentRequestId: 'PR-S',
      paymentId: 'P-PR-S',
      paymentResult: { resultCode: 'SUCCESS', resultStatus: 'S' },
      paymentAmount: { currency: 'USD', value: '1250' },
      payToAmount: { currency: 'HKD', value: '9700' },
      customerId: 'C-1',
      paymentTime: '2026-11-25T12:00:00+08:00',
    });
    const outbox = await readOutbox(handle.db, 'PR-S');
    expect(outbox?.done_at_ms).toBe(BigInt(startMs));
    expect(outbox?.claimed_by).toBeNull();
    const rows = await attempts(handle, 'PR-S');
    expect(rows.map((r) => [r.attempt_no, r.outcome, r.result_code, r.worker_id])).toEqual([
      [1n, 'ACKNOWLEDGED', 'SUCCESS', 'w1'],
    ]);
    clock.setMs(startMs + 100 * h);
    expect(await worker.pollOnce()).toBe(0);
    expect(stub.received).toHaveLength(1);
  });

  it.each([
    ['ack_PROCESS_FAIL', 'PROCESS_FAIL'],
    ['ack_REPEAT_REQ_INCONSISTENT', 'REPEAT_REQ_INCONSISTENT'],
  ] as const)('stops the retries on %s and keeps it for operators', async (mode, code) => {
    await seedPayment(handle, `PR-${code}`, startMs);
    stub.mode = mode;
    expect(await worker.pollOnce()).toBe(1);
    const outbox = await readOutbox(handle.db, `PR-${code}`);
    expect(outbox?.done_at_ms).toBe(BigInt(startMs));
    expect(outbox?.stopped_code).toBe(code);
    const rows = await attempts(handle, `PR-${code}`);
    expect(rows.map((r) => [r.outcome, r.result_code])).toEqual([['STOPPED', code]]);
    // No retry, ever.
    clock.setMs(startMs + 100 * h);
    expect(await worker.pollOnce()).toBe(0);
    expect(stub.received).toHaveLength(1);
    expect(await listStoppedNotify(handle.db, { limit: 10 })).toEqual([
      {
        paymentRequestId: `PR-${code}`,
        stoppedCode: code,
        stoppedAtMs: startMs,
        attemptsTotal: 1,
        lastResultCode: code,
        lastDetail: expect.any(String),
      },
    ]);
  });

  it("sends to the payment's own allowed notify URL when it has one", async () => {
    const other = await startAlipayStub(clock);
    const otherClient = mppClient(other.url, clock);
    try {
      const routed = new NotifyWorker({
        handle,
        client,
        clock,
        workerId: 'w-url',
        clientFor: (baseUrl) => (baseUrl === other.url ? otherClient : undefined),
      });
      await seedPayment(handle, 'PR-URL', startMs);
      await handle.db
        .updateTable('payments')
        .set({ notify_url: other.url })
        .where('payment_request_id', '=', 'PR-URL')
        .execute();
      expect(await routed.pollOnce()).toBe(1);
      expect(other.received.map((r) => r.body.paymentRequestId)).toEqual(['PR-URL']);
      expect(stub.received).toHaveLength(0);
      await routed.stop();
    } finally {
      await otherClient.close();
      await other.close();
    }
  });

  it('retries an F acknowledgement on the schedule (10 s, then 30 s) and stops at S', async () => {
    await seedPayment(handle, 'PR-F', startMs);
    stub.mode = 'ack_F';
    await worker.pollOnce();
    expect((await readOutbox(handle.db, 'PR-F'))?.next_attempt_at_ms).toBe(BigInt(startMs + 10 * s));
    clock.setMs(startMs + 10 * s - 1);
    expect(await worker.pollOnce()).toBe(0);
    clock.setMs(startMs + 10 * s);
    expect(await worker.pollOnce()).toBe(1);
    expect((await readOutbox(handle.db, 'PR-F'))?.next_attempt_at_ms).toBe(BigInt(startMs + 40 * s));
    stub.mode = 'ack_S';
    clock.setMs(startMs + 40 * s);
    expect(await worker.pollOnce()).toBe(1);
    const rows = await attempts(handle, 'PR-F');
    expect(rows.map((r) => [r.outcome, r.result_code])).toEqual([
      ['REJECTED', 'PARAM_ILLEGAL'],
      ['REJECTED', 'PARAM_ILLEGAL'],
      ['ACKNOWLEDGED', 'SUCCESS'],
    ]);
    expect((await readOutbox(handle.db, 'PR-F'))?.done_at_ms).not.toBeNull();
  });

  it('treats no answer, a U acknowledgement and an unsigned answer as not acknowledged', async () => {
    await seedPayment(handle, 'PR-U', startMs);
    stub.mode = 'hang';
    await worker.pollOnce();
    stub.releaseHung();
    stub.mode = 'unsigned';
    clock.setMs(startMs + 10 * s);
    await worker.pollOnce();
    stub.mode = 'ack_U';
    clock.setMs(startMs + 40 * s);
    await worker.pollOnce();
    const rows = await attempts(handle, 'PR-U');
    expect(rows.map((r) => r.outcome)).toEqual(['UNKNOWN', 'UNKNOWN', 'UNKNOWN']);
    expect(rows[0]!.detail).toMatch(/^TIMEOUT/);
    expect(rows[1]!.detail).toMatch(/^UNSIGNED/);
    expect(rows[2]!.result_code).toBe('UNKNOWN_EXCEPTION');
    const outbox = await readOutbox(handle.db, 'PR-U');
    expect(outbox?.done_at_ms).toBeNull();
    expect(outbox?.next_attempt_at_ms).toBe(BigInt(startMs + 100 * s));
  });

  it('re-reads the payment: one cancelled since the outbox row was written is told as F ORDER_IS_CLOSED', async () => {
    await seedPayment(handle, 'PR-C', startMs);
    await handle.db
      .updateTable('payments')
      .set({ status: 'CANCELLED', cancelled_at_ms: startMs })
      .where('payment_request_id', '=', 'PR-C')
      .execute();
    await worker.pollOnce();
    expect(stub.received[0]!.body.paymentResult).toMatchObject({
      resultCode: 'ORDER_IS_CLOSED',
      resultStatus: 'F',
    });
  });

  it('a cancel during a send re-opens the row: the closed state is sent next, on a fresh schedule', async () => {
    await seedPayment(handle, 'PR-R', startMs);
    stub.mode = 'hang';
    const poll = worker.pollOnce();
    await vi.waitFor(() => expect(stub.received).toHaveLength(1), { timeout: 5_000 });
    clock.setMs(startMs + 1_000);
    await handle.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('payments')
        .set({ status: 'CANCELLED', cancelled_at_ms: startMs + 1_000 })
        .where('payment_request_id', '=', 'PR-R')
        .execute();
      await openNotify(tx, 'PR-R', startMs + 1_000);
    });
    stub.mode = 'ack_S';
    stub.releaseHung();
    await poll;
    // The S acknowledged the stale success; the re-opened generation is still due.
    const reopened = await readOutbox(handle.db, 'PR-R');
    expect(reopened?.done_at_ms).toBeNull();
    expect(reopened?.attempt_count).toBe(0n);
    stub.mode = 'ack_F';
    expect(await worker.pollOnce()).toBe(1);
    expect(
      stub.received.map(
        (call) => (call.body as { paymentResult: { resultCode: string } }).paymentResult.resultCode,
      ),
    ).toEqual(['SUCCESS', 'ORDER_IS_CLOSED']);
    // First failure of the new generation: 10 s, as for a fresh row.
    expect((await readOutbox(handle.db, 'PR-R'))?.next_attempt_at_ms).toBe(BigInt(startMs + 11_000));
    expect((await attempts(handle, 'PR-R')).map((row) => row.attempt_no)).toEqual([1n, 2n]);
  });

  it('tells a failed pay with its reason', async () => {
    await seedPayment(handle, 'PR-X', startMs, { status: 'FAILED', resultCode: 'USER_BALANCE_NOT_ENOUGH' });
    await worker.pollOnce();
    expect(stub.received[0]!.body.paymentResult).toMatchObject({
      resultCode: 'USER_BALANCE_NOT_ENOUGH',
      resultStatus: 'F',
    });
  });

  it('gives up after 72 h: 26 attempts, then the row is done and never polled again', async () => {
    await seedPayment(handle, 'PR-G', startMs);
    stub.mode = 'ack_F';
    for (let poll = 0; poll < 40; poll++) {
      const outbox = await readOutbox(handle.db, 'PR-G');
      if (outbox?.done_at_ms !== null) break;
      clock.setMs(Number(outbox.next_attempt_at_ms));
      expect(await worker.pollOnce()).toBe(1);
    }
    const rows = await attempts(handle, 'PR-G');
    expect(rows).toHaveLength(26);
    expect(Number(rows[25]!.started_at_ms) - startMs).toBeLessThanOrEqual(72 * h);
    expect(rows[25]!.detail).toMatch(/gave up/);
    const gaveUp = await readOutbox(handle.db, 'PR-G');
    expect(gaveUp?.done_at_ms).not.toBeNull();
    expect(gaveUp?.stopped_code).toBe('GAVE_UP');
    clock.setMs(startMs + 200 * h);
    expect(await worker.pollOnce()).toBe(0);
    expect(stub.received).toHaveLength(26);
  });

  it('two workers on one database (separate connection pools) send each row exactly once', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `PR-M${String(i).padStart(2, '0')}`);
    for (const id of ids) await seedPayment(handle, id, startMs);
    // On PostgreSQL the second worker gets its own pool on the same schema, as a second process would.
    const other = await secondHandle(handle);
    const first = new NotifyWorker({ handle, client, clock, workerId: 'w1b', batchSizeMax: 7 });
    const second = new NotifyWorker({ handle: other, client, clock, workerId: 'w2', batchSizeMax: 7 });
    try {
      for (let round = 0; round < 20; round++) {
        const claimed = await Promise.all([
          first.pollOnce(),
          second.pollOnce(),
          first.pollOnce(),
          second.pollOnce(),
        ]);
        if (claimed.every((n) => n === 0)) break;
      }
    } finally {
      await second.stop();
      await first.stop();
      if (other !== handle) await other.close();
    }
    const sent = stub.received.map((call) => call.body.paymentRequestId).sort();
    expect(sent).toEqual(ids);
    const workers = await handle.db.selectFrom('notify_attempts').select('worker_id').distinct().execute();
    expect(workers.map((row) => row.worker_id).sort()).toEqual(['w1b', 'w2']);
    const done = await handle.db.selectFrom('notify_outbox').select('done_at_ms').execute();
    expect(done.every((row) => row.done_at_ms !== null)).toBe(true);
  });

  it('stop() lets the send in flight finish and releases the claims it did not use', async () => {
    for (const id of ['PR-A', 'PR-B', 'PR-C2', 'PR-D']) await seedPayment(handle, id, startMs);
    const lone = new NotifyWorker({ handle, client, clock, workerId: 'w-stop', sendConcurrencyMax: 1 });
    stub.mode = 'hang';
    const poll = lone.pollOnce();
    await vi.waitFor(() => expect(stub.received).toHaveLength(1), { timeout: 5_000 });
    const claimed = await handle.db.selectFrom('notify_outbox').select('claimed_by').execute();
    expect(claimed.every((row) => row.claimed_by === 'w-stop')).toBe(true);
    const stopped = lone.stop();
    stub.mode = 'ack_S';
    stub.releaseHung();
    await poll;
    expect(await stopped).toBe(3);
    const rows = await handle.db
      .selectFrom('notify_outbox')
      .selectAll()
      .orderBy('payment_request_id')
      .execute();
    expect(rows.map((r) => [r.payment_request_id, r.claimed_by, r.done_at_ms === null])).toEqual([
      ['PR-A', null, false],
      ['PR-B', null, true],
      ['PR-C2', null, true],
      ['PR-D', null, true],
    ]);
    expect(stub.received).toHaveLength(1);
  });

  it('start() polls on the clock', async () => {
    await seedPayment(handle, 'PR-T', startMs);
    worker.start();
    await clock.advanceMs(0);
    await vi.waitFor(async () => expect((await readOutbox(handle.db, 'PR-T'))?.done_at_ms).not.toBeNull(), {
      timeout: 5_000,
    });
    expect(stub.received).toHaveLength(1);
  });
});

describe('notify workers in two processes on one SQLite file', () => {
  it('send each row exactly once', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'tapkit-notify-'));
    const path = join(dir, 'mpp.sqlite');
    const clock = new VirtualClock(startMs);
    const stub = await startAlipayStub(clock);
    const client = mppClient(stub.url, clock);
    const a = await openDatabase(path);
    const b = await openDatabase(path);
    try {
      const ids = Array.from({ length: 30 }, (_, i) => `PR-F${String(i).padStart(2, '0')}`);
      for (const id of ids) await seedPayment(a, id, startMs);
      const first = new NotifyWorker({ handle: a, client, clock, workerId: 'pa', batchSizeMax: 5 });
      const second = new NotifyWorker({ handle: b, client, clock, workerId: 'pb', batchSizeMax: 5 });
      for (let round = 0; round < 20; round++) {
        const claimed = await Promise.all([first.pollOnce(), second.pollOnce()]);
        if (claimed.every((n) => n === 0)) break;
      }
      await Promise.all([first.stop(), second.stop()]);
      expect(stub.received.map((call) => call.body.paymentRequestId).sort()).toEqual(ids);
    } finally {
      await a.close();
      await b.close();
      await client.close();
      await stub.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
