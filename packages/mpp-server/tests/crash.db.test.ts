import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { systemClock } from '@tapkit/protocol';
import { type CallOutcome, generateRsaKeyPair, type SignedClient } from '@tapkit/protocol/node';
import { afterEach, describe, expect, it } from 'vitest';
import { checkInvariants } from '../src/adapters/db/ledger-repository.ts';
import { openDatabase } from '../src/adapters/db/open.ts';
import { createCustomer, topUp } from '../src/customers.ts';
import { childPayBody, childSignedClient } from './support/child-client.ts';
import { testEngines } from './support/engines.ts';

// Crash safety: a real server process is killed with SIGKILL in the middle of a burst of pays, then
// started again on the same database. Every pay that was answered S must be in the ledger, no pay may be
// half-written (a payment row without its transfer or the other way round), and inquiryPayment must
// answer every request id in line with what happened.

const childScript = fileURLToPath(new URL('./support/crash-child.ts', import.meta.url));
const clientId = 'ALIPAYPLUS_CRASH';
const mppKeys = generateRsaKeyPair();
const alipayKeys = generateRsaKeyPair();
const payCount = 400;
const inFlightMax = 24;
const killAfterAnswers = 120;
const seedMinor = 10_000_000n;
const payMinor = 100n;

type Answer = {
  result: { resultCode: string; resultStatus: string };
  paymentResult?: { resultCode: string };
};

interface Location {
  url: string;
  schema?: string;
  remove(): Promise<void>;
}

/** tsx plus the @tapkit/source condition, so the child runs the workspace packages from src. */
const registerSource = new URL('../../../scripts/register-source.mjs', import.meta.url).href;

async function startChild(location: Location): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', registerSource, childScript], {
    env: {
      ...process.env,
      CRASH_DB_URL: location.url,
      CRASH_DB_SCHEMA: location.schema ?? '',
      CRASH_MPP_PRIVATE_KEY: mppKeys.privateKeyPem,
      CRASH_ALIPAY_PUBLIC_KEY: alipayKeys.publicKeyPem,
      CRASH_ALIPAY_CLIENT_ID: clientId,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`crash child exited early (${code})`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  return { child, port };
}

const clientFor = (port: number): SignedClient =>
  childSignedClient({ port, clientId, alipayKeys, mppKeys, connectionsMax: inFlightMax });

const payBody = (paymentRequestId: string) => childPayBody(paymentRequestId, payMinor);

describe.each(testEngines())('crash safety on $name', (engine) => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('keeps every answered pay and no half-written one across a SIGKILL', async () => {
    const location = await engine.location();
    try {
      const seed = await openDatabase(location.url, location.schema ? { schema: location.schema } : {});
      await createCustomer({ store: seed, clock: systemClock }, { customerId: 'C1', currencies: ['HKD'] });
      await topUp(
        { store: seed, clock: systemClock },
        { topupRequestId: 'seed', customerId: 'C1', amount: { currency: 'HKD', value: seedMinor } },
      );
      await seed.close();

      const first = await startChild(location);
      children.push(first.child);
      const client = clientFor(first.port);
      const outcomes = new Map<string, CallOutcome<Answer>>();
      let answered = 0;
      const ids = Array.from({ length: payCount }, (_, i) => `CRASH-${i}`);
      let next = 0;
      const worker = async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          const outcome = await client.call<Answer>('pay', payBody(id));
          outcomes.set(id, outcome);
          if (outcome.kind === 'answered' && ++answered === killAfterAnswers) first.child.kill('SIGKILL');
        }
      };
      await Promise.all(Array.from({ length: inFlightMax }, worker));
      await client.close();
      const answeredS = [...outcomes].filter(
        ([, o]) => o.kind === 'answered' && o.response.result.resultStatus === 'S',
      );
      expect(answeredS.length).toBeGreaterThanOrEqual(killAfterAnswers - inFlightMax);
      expect([...outcomes.values()].some((o) => o.kind === 'unknown')).toBe(true);

      const second = await startChild(location);
      children.push(second.child);
      const again = clientFor(second.port);
      const inquired = new Map<string, string>();
      for (const id of ids) {
        const outcome = await again.call<Answer>('inquiryPayment', {
          acquirerId: 'ACQ-1',
          pspId: 'PSP-1',
          paymentRequestId: id,
        });
        if (outcome.kind !== 'answered') throw new Error(`inquiry ${id}: ${outcome.reason}`);
        inquired.set(id, outcome.response.paymentResult?.resultCode ?? outcome.response.result.resultCode);
      }
      for (const [id] of answeredS) expect(inquired.get(id)).toBe('SUCCESS');
      // Unanswered pays either happened whole or not at all; re-sending them now agrees with the inquiry.
      for (const id of ids) {
        const code = inquired.get(id);
        expect(['SUCCESS', 'ORDER_NOT_EXIST']).toContain(code);
        if (code === 'SUCCESS') {
          const replay = await again.call<Answer>('pay', payBody(id));
          expect(replay.kind === 'answered' && replay.response.result.resultCode).toBe('SUCCESS');
        }
      }
      await again.close();
      second.child.kill('SIGKILL');

      const check = await openDatabase(location.url, location.schema ? { schema: location.schema } : {});
      try {
        const report = await checkInvariants(check.db, check.engine);
        expect(report.violations).toEqual([]);
        const paid = await check.db
          .selectFrom('payments')
          .select('payment_request_id')
          .where('status', '=', 'SUCCESS')
          .execute();
        const transfers = await check.db
          .selectFrom('transfers')
          .select('id')
          .where('kind', '=', 'PAY')
          .execute();
        expect(transfers.map((t) => t.id).sort()).toEqual(
          paid.map((p) => `pay:${p.payment_request_id}`).sort(),
        );
        expect(paid.length).toBe([...inquired.values()].filter((code) => code === 'SUCCESS').length);
        const wallet = await check.db
          .selectFrom('accounts')
          .select('balance_minor')
          .where('id', '=', 'C:HKD:C1')
          .executeTakeFirstOrThrow();
        expect(wallet.balance_minor).toBe(seedMinor - payMinor * BigInt(paid.length));
      } finally {
        await check.close();
      }
    } finally {
      await location.remove();
    }
  }, 60_000);
});
