import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { systemClock } from '@tapkit/protocol';
import type { CallOutcome, SignedClient } from '@tapkit/protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants } from '../src/adapters/db/ledger-repository.ts';
import { type DbHandle, openDatabase } from '../src/adapters/db/open.ts';
import { createCustomer, topUp } from '../src/customers.ts';
import {
  type AlipayStub,
  alipayKeys,
  MPP_CLIENT_ID,
  mppKeys,
  startAlipayStub,
} from './support/alipay-stub.ts';
import { childSignedClient } from './support/child-client.ts';
import { testEngines } from './support/engines.ts';

// N MPP instances on one PostgreSQL database (the scale-out deployment): two real server processes
// (startMppServer, as `tapkit mpp` runs it, notify workers on) share one schema. Alipay+ sends concurrent
// same-id pays and overdraft attempts split across both, then a burst during which one process is killed
// with SIGKILL. Afterwards: the ledger invariants hold (postings sum to zero, no negative balance), each
// paymentRequestId is charged at most once, and each notification reaches the signed notifyPayment
// receiver exactly once, except one whose send was in flight in the killed process: the survivor takes it
// over when the claim's lease runs out and sends it again (at least once; the receiver is idempotent on
// paymentRequestId), and the outbox still completes it exactly once.

const registerSource = new URL('../../../scripts/register-source.mjs', import.meta.url).href;
const childScript = fileURLToPath(new URL('./support/server-child.ts', import.meta.url));
const postgres = testEngines().find((engine) => engine.name === 'postgres');
if (postgres === undefined) {
  console.warn(
    '\n*** TAPKIT_TEST_POSTGRES_URL is not set: two MPP instances on one PostgreSQL database are NOT tested ***\n',
  );
}

/** The shortest lease the configuration accepts: the survivor takes the dead process's claims after it. */
const notifyLeaseMs = 10_000;
const notifyPollIntervalMs = 50;
/** The lease started when the dead process claimed, shortly before the kill. */
const leaseSlackMs = 2_000;
const inFlightMax = 16;
const sameIdCount = 40;
/** Copies of each same-id pay, alternating between the two instances. */
const sameIdCopies = 4;
const overdraftAttempts = 60;
const overdraftBalanceMinor = 2_000n;
const burstCount = 300;
const killAfterAnswers = 120;
/** Answers to pays during which the notify receiver holds its answers, right before the kill. */
const holdAnswersBeforeKill = 60;
/** Sends in flight at once per notify worker (NOTIFY_WORKER_DEFAULTS.sendConcurrencyMax). */
const sendConcurrencyMax = 8;
const payMinor = 100n;
const richSeedMinor = 100_000_000n;
/** Bounded wait (polls 100 ms apart) for the outbox to drain, lease expiry included. */
const drainPollsMax = 400;

type Answer = { result: { resultCode: string; resultStatus: string } };

const payBody = (paymentRequestId: string, customerId: string, amountMinor: bigint) => ({
  acquirerId: 'ACQ-1',
  pspId: 'PSP-1',
  paymentRequestId,
  paymentAmount: { currency: 'HKD', value: amountMinor.toString() },
  payToAmount: { currency: 'HKD', value: amountMinor.toString() },
  customerId,
  order: { referenceOrderId: `RO-${paymentRequestId}` },
  paymentFactor: { authorizationType: 'FINAL' },
});

interface Instance {
  readonly child: ChildProcess;
  readonly client: SignedClient;
}

async function startInstance(
  location: { url: string; schema?: string },
  alipayUrl: string,
): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', registerSource, childScript], {
    env: {
      ...process.env,
      SERVER_CHILD_CONFIG: JSON.stringify({
        db: location.url,
        dbSchema: location.schema ?? '',
        port: 0,
        clientId: MPP_CLIENT_ID,
        alipayPlusUrl: alipayUrl,
        notifyEnabled: true,
        notifyPollIntervalMs,
        notifyLeaseMs,
        dbPoolSizeMax: 8,
        logLevel: 'error',
        shutdownTimeoutMs: 1_000,
      }),
      SERVER_CHILD_MPP_PRIVATE_KEY: mppKeys.privateKeyPem,
      SERVER_CHILD_ALIPAY_PUBLIC_KEY: alipayKeys.publicKeyPem,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`MPP instance exited early (${code})`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  const client = childSignedClient({
    port,
    clientId: MPP_CLIENT_ID,
    alipayKeys,
    mppKeys,
    connectionsMax: inFlightMax,
  });
  return { child, client };
}

/** Sends every job with at most inFlightMax in flight; each job says which instance gets it. */
async function sendAll(
  jobs: readonly { id: string; body: object; to: Instance }[],
  afterEach?: (answered: number) => void,
): Promise<Map<number, CallOutcome<Answer>>> {
  const outcomes = new Map<number, CallOutcome<Answer>>();
  let next = 0;
  let answered = 0;
  const lane = async () => {
    for (let index = next++; index < jobs.length; index = next++) {
      const job = jobs[index]!;
      const outcome = await job.to.client.call<Answer>('pay', job.body);
      outcomes.set(index, outcome);
      if (outcome.kind === 'answered') afterEach?.(++answered);
    }
  };
  await Promise.all(Array.from({ length: inFlightMax }, lane));
  return outcomes;
}

const codeOf = (outcome: CallOutcome<Answer> | undefined) =>
  outcome?.kind === 'answered' ? outcome.response.result.resultCode : 'NO_ANSWER';

describe.runIf(postgres !== undefined)('two MPP instances on one PostgreSQL database', () => {
  let stub: AlipayStub;
  let location: Awaited<ReturnType<NonNullable<typeof postgres>['location']>>;
  let check: DbHandle;
  let a: Instance;
  let b: Instance;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    stub = await startAlipayStub(systemClock);
    location = await postgres!.location();
    check = await openDatabase(
      location.url,
      location.schema === undefined ? {} : { schema: location.schema },
    );
    const deps = { store: check, clock: systemClock };
    for (const [customerId, seedMinor] of [
      ['RICH', richSeedMinor],
      ['POOR', overdraftBalanceMinor],
    ] as const) {
      await createCustomer(deps, { customerId, currencies: ['HKD'] });
      await topUp(deps, {
        topupRequestId: `seed-${customerId}`,
        customerId,
        amount: { currency: 'HKD', value: seedMinor },
      });
    }
    a = await startInstance(location, stub.url);
    b = await startInstance(location, stub.url);
    children.push(a.child, b.child);
  }, 60_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await a?.client.close();
    await b?.client.close();
    await check?.close();
    await stub?.close();
    await location?.remove();
  });

  it('charges each same-id pay once and never overdraws, across both instances', async () => {
    const sameIdJobs = Array.from({ length: sameIdCount * sameIdCopies }, (_, i) => {
      const id = `SAME-${i % sameIdCount}`;
      return { id, body: payBody(id, 'RICH', payMinor), to: i % 2 === 0 ? a : b };
    });
    const overdraftJobs = Array.from({ length: overdraftAttempts }, (_, i) => {
      const id = `OVER-${i}`;
      return { id, body: payBody(id, 'POOR', payMinor), to: i % 2 === 0 ? b : a };
    });
    const jobs = [...sameIdJobs, ...overdraftJobs];
    const outcomes = await sendAll(jobs);
    const codesById = new Map<string, Set<string>>();
    jobs.forEach((job, index) => {
      const codes = codesById.get(job.id) ?? new Set<string>();
      codes.add(codeOf(outcomes.get(index)));
      codesById.set(job.id, codes);
    });
    // Every copy of a same-id pay got the same answer, SUCCESS, whichever instance it reached.
    for (let i = 0; i < sameIdCount; i++) expect([...codesById.get(`SAME-${i}`)!]).toEqual(['SUCCESS']);
    const overdraftCodes = Array.from({ length: overdraftAttempts }, (_, i) => [
      ...codesById.get(`OVER-${i}`)!,
    ]);
    const affordable = Number(overdraftBalanceMinor / payMinor);
    expect(overdraftCodes.filter((c) => c[0] === 'SUCCESS')).toHaveLength(affordable);
    expect(overdraftCodes.filter((c) => c[0] === 'USER_BALANCE_NOT_ENOUGH')).toHaveLength(
      overdraftAttempts - affordable,
    );
    const poor = await balanceMinor(check, 'POOR');
    expect(poor).toBe(0n);
    expect(await balanceMinor(check, 'RICH')).toBe(richSeedMinor - payMinor * BigInt(sameIdCount));
  }, 60_000);

  it('keeps every answered pay and the ledger whole when one instance is killed mid-burst', async () => {
    const jobs = Array.from({ length: burstCount }, (_, i) => {
      const id = `BURST-${i}`;
      return { id, body: payBody(id, 'RICH', payMinor), to: i % 2 === 0 ? a : b };
    });
    let killedAtMs = 0;
    const outcomes = await sendAll(jobs, (answered) => {
      // The receiver holds its answers for a moment before the kill, so that the killed process dies with
      // notifications sent but not acknowledged: the case the lease exists for.
      if (answered === killAfterAnswers - holdAnswersBeforeKill) stub.mode = 'hang';
      if (answered === killAfterAnswers) {
        killedAtMs = Date.now();
        a.child.kill('SIGKILL');
        stub.mode = 'ack_S';
        stub.releaseHung();
      }
    });
    expect(killedAtMs).toBeGreaterThan(0);
    // Every pay to the survivor was answered; pays to the dead one after the kill were not.
    jobs.forEach((job, index) => {
      if (job.to === b) expect(codeOf(outcomes.get(index))).toBe('SUCCESS');
    });
    expect([...outcomes.values()].some((o) => o.kind === 'unknown')).toBe(true);
    // The survivor answers for every id: answered S ones are there, the others happened whole or not at all.
    for (const [index, job] of jobs.entries()) {
      const inquiry = await b.client.call<{ result: Answer['result']; paymentResult?: Answer['result'] }>(
        'inquiryPayment',
        { acquirerId: 'ACQ-1', pspId: 'PSP-1', paymentRequestId: job.id },
      );
      if (inquiry.kind !== 'answered') throw new Error(`inquiry ${job.id}: ${inquiry.reason}`);
      const code = inquiry.response.paymentResult?.resultCode ?? inquiry.response.result.resultCode;
      if (codeOf(outcomes.get(index)) === 'SUCCESS') expect(code).toBe('SUCCESS');
      else expect(['SUCCESS', 'ORDER_NOT_EXIST']).toContain(code);
    }
    const notified = await drainOutbox(check);
    await verifyBooks(check, stub, killedAtMs, notified);
  }, 90_000);
});

async function balanceMinor(handle: DbHandle, customerId: string): Promise<bigint> {
  const row = await handle.db
    .selectFrom('accounts')
    .select('balance_minor')
    .where('id', '=', `C:HKD:${customerId}`)
    .executeTakeFirstOrThrow();
  return row.balance_minor;
}

/** Waits until every outbox row is done (the dead process's claims lapse after the lease). */
async function drainOutbox(handle: DbHandle): Promise<string[]> {
  for (let poll = 0; poll < drainPollsMax; poll++) {
    const open = await handle.db
      .selectFrom('notify_outbox')
      .select('payment_request_id')
      .where('done_at_ms', 'is', null)
      .execute();
    if (open.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const rows = await handle.db.selectFrom('notify_outbox').selectAll().execute();
  for (const row of rows)
    expect({ id: row.payment_request_id, done: row.done_at_ms !== null }).toEqual({
      id: row.payment_request_id,
      done: true,
    });
  return rows.map((row) => row.payment_request_id);
}

async function verifyBooks(handle: DbHandle, stub: AlipayStub, killedAtMs: number, notified: string[]) {
  const report = await checkInvariants(handle.db, handle.engine);
  expect(report.violations).toEqual([]);
  const accounts = await handle.db.selectFrom('accounts').select(['id', 'kind', 'balance_minor']).execute();
  for (const account of accounts.filter((x) => x.kind === 'CUSTOMER')) {
    expect(account.balance_minor >= 0n).toBe(true);
  }
  // At most one PAY transfer per paymentRequestId, and exactly one per successful payment.
  const transfers = await handle.db.selectFrom('transfers').select('id').where('kind', '=', 'PAY').execute();
  const paid = await handle.db
    .selectFrom('payments')
    .select('payment_request_id')
    .where('status', '=', 'SUCCESS')
    .execute();
  expect(transfers.map((t) => t.id).sort()).toEqual(paid.map((p) => `pay:${p.payment_request_id}`).sort());
  const burstPaid = paid.filter((p) => p.payment_request_id.startsWith('BURST-')).length;
  expect(await balanceMinor(handle, 'RICH')).toBe(richSeedMinor - payMinor * BigInt(sameIdCount + burstPaid));
  // Every payment row has its notification, completed by exactly one acknowledged attempt.
  const payments = await handle.db.selectFrom('payments').select('payment_request_id').execute();
  expect([...notified].sort()).toEqual(payments.map((p) => p.payment_request_id).sort());
  const acknowledged = await handle.db
    .selectFrom('notify_attempts')
    .select(['outbox_id', (eb) => eb.fn.countAll<bigint>().as('count')])
    .where('outcome', '=', 'ACKNOWLEDGED')
    .groupBy('outbox_id')
    .execute();
  expect(acknowledged).toHaveLength(notified.length);
  for (const row of acknowledged) expect(Number(row.count)).toBe(1);
  // The receiver got each notification once; a second copy only of what the killed process had in flight.
  const received = new Map<string, number>();
  for (const call of stub.received) {
    if (call.api !== 'notifyPayment') continue;
    const id = (call.body as { paymentRequestId: string }).paymentRequestId;
    received.set(id, (received.get(id) ?? 0) + 1);
  }
  expect([...received.keys()].sort()).toEqual([...notified].sort());
  const twice = [...received].filter(([, count]) => count > 1);
  expect(twice.every(([, count]) => count === 2)).toBe(true);
  expect(twice.length).toBeGreaterThanOrEqual(1);
  expect(twice.length).toBeLessThanOrEqual(sendConcurrencyMax);
  // Those were taken over by the survivor only after the dead process's lease ran out.
  const takenOver = await handle.db
    .selectFrom('notify_attempts')
    .select(['outbox_id', 'started_at_ms'])
    .where(
      'outbox_id',
      'in',
      twice.map(([id]) => id),
    )
    .execute();
  for (const attempt of takenOver) {
    expect(Number(attempt.started_at_ms)).toBeGreaterThanOrEqual(killedAtMs + notifyLeaseMs - leaseSlackMs);
  }
}
