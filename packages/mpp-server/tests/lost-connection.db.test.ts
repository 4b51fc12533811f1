import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer, type Server, Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { systemClock } from '@tapkit/protocol';
import { type CallOutcome, generateRsaKeyPair, type SignedClient } from '@tapkit/protocol/node';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { checkInvariants } from '../src/adapters/db/ledger-repository.ts';
import { openDatabase } from '../src/adapters/db/open.ts';
import { createCustomer, topUp } from '../src/customers.ts';
import { childPayBody, childSignedClient } from './support/child-client.ts';
import { testEngines } from './support/engines.ts';

// A lost PostgreSQL connection must fail only the requests on it. A real server process (startMppServer)
// reaches PostgreSQL through a TCP relay of this test; mid-burst, its idle and busy backends are killed
// with pg_terminate_backend, then the relay is cut (the database is unreachable) and restored. Nothing is
// restarted: the process must stay up, answer every request signed (U while it cannot decide), report
// /readyz false while the database is unreachable and true once it answers, and keep the ledger whole.

// The child resolves workspace packages to their sources through the @tapkit/source condition.
const registerSource = new URL('../../../scripts/register-source.mjs', import.meta.url).href;
const childScript = fileURLToPath(new URL('./support/server-child.ts', import.meta.url));
const clientId = 'ALIPAYPLUS_LOST_CONNECTION';
const mppKeys = generateRsaKeyPair();
const alipayKeys = generateRsaKeyPair();
const payCount = 300;
const inFlightMax = 16;
/** Terminations happen when this many pays have been answered. */
const terminateAfterAnswers = [40, 110, 190];
const seedMinor = 10_000_000n;
const payMinor = 100n;
/** Bounded polls of /readyz (20 ms apart). */
const readyPollCountMax = 250;
const retryRoundsMax = 5;

type Answer = { result: { resultCode: string; resultStatus: string } };

/** A TCP relay to PostgreSQL that can be cut (every socket destroyed, no listener) and restored. */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}
  async start(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = new Socket();
      outbound.connect(this.targetPort, this.targetHost);
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function startChild(
  dbUrl: string,
): Promise<{ child: ChildProcess; port: number; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', registerSource, childScript], {
    env: {
      ...process.env,
      SERVER_CHILD_CONFIG: JSON.stringify({
        db: dbUrl,
        port: 0,
        clientId,
        notifyEnabled: false,
        dbPoolSizeMax: 8,
        logLevel: 'warn',
      }),
      SERVER_CHILD_MPP_PRIVATE_KEY: mppKeys.privateKeyPem,
      SERVER_CHILD_ALIPAY_PUBLIC_KEY: alipayKeys.publicKeyPem,
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    void exited.then((code) => reject(new Error(`server child exited early (${code})`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  return { child, port, exited };
}

const clientFor = (port: number): SignedClient =>
  childSignedClient({ port, clientId, alipayKeys, mppKeys, connectionsMax: inFlightMax });

const payBody = (paymentRequestId: string) => childPayBody(paymentRequestId, payMinor);

async function terminateBackends(adminUrl: string, applicationName: string): Promise<number> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ terminated: boolean }>(
      'select pg_terminate_backend(pid) as terminated from pg_stat_activity where application_name = $1',
      [applicationName],
    );
    return rows.filter((row) => row.terminated).length;
  } finally {
    await admin.end();
  }
}

async function readyStatus(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
  } catch {
    return 0;
  }
}

async function waitForReady(port: number, status: number): Promise<boolean> {
  for (let poll = 0; poll < readyPollCountMax; poll++) {
    if ((await readyStatus(port)) === status) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe.each(testEngines())('a lost database connection on $name', (engine) => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  if (engine.name !== 'postgres') {
    console.warn(
      '\n*** lost-connection test SKIPPED on SQLite: an embedded database has no connection to lose ***\n',
    );
  }

  it.skipIf(engine.name !== 'postgres')(
    'keeps the process up, answers U on the lost connections only, and tracks /readyz',
    async () => {
      const location = await engine.location();
      const target = new URL(location.url);
      const relay = new Relay(target.hostname, Number(target.port || 5432));
      try {
        const seed = await openDatabase(location.url, location.schema ? { schema: location.schema } : {});
        const deps = { store: seed, clock: systemClock };
        await createCustomer(deps, { customerId: 'C1', currencies: ['HKD'] });
        await topUp(deps, {
          topupRequestId: 'seed',
          customerId: 'C1',
          amount: { currency: 'HKD', value: seedMinor },
        });
        await seed.close();

        const adminUrl = location.url;
        const applicationName = `tapkit_lost_${process.pid}_${Date.now()}`;
        await relay.start();
        const viaRelay = new URL(location.url);
        viaRelay.hostname = '127.0.0.1';
        viaRelay.port = String(relay.port);
        viaRelay.searchParams.set('application_name', applicationName);
        viaRelay.searchParams.set('options', `-c search_path=${location.schema}`);
        const server = await startChild(viaRelay.toString());
        children.push(server.child);
        const client = clientFor(server.port);

        // Idle connections first: warm the pool, let it go quiet, kill every backend.
        await Promise.all(
          Array.from({ length: 8 }, (_, i) => client.call<Answer>('pay', payBody(`WARM-${i}`))),
        );
        let terminated = await terminateBackends(adminUrl, applicationName);

        const outcomes = new Map<string, CallOutcome<Answer>>();
        let answered = 0;
        const ids = Array.from({ length: payCount }, (_, i) => `LOST-${i}`);
        let next = 0;
        const waves: Promise<number>[] = [];
        const worker = async () => {
          while (next < ids.length) {
            const id = ids[next++]!;
            const outcome = await client.call<Answer>('pay', payBody(id));
            outcomes.set(id, outcome);
            if (outcome.kind === 'answered' && terminateAfterAnswers.includes(++answered)) {
              waves.push(terminateBackends(adminUrl, applicationName));
            }
          }
        };
        await Promise.all(Array.from({ length: inFlightMax }, worker));
        for (const wave of await Promise.all(waves)) terminated += wave;
        const all = [...outcomes.values()];
        const answeredS = all.filter((o) => o.kind === 'answered' && o.response.result.resultStatus === 'S');
        const answeredU = all.filter((o) => o.kind === 'answered' && o.response.result.resultStatus === 'U');
        const unanswered = all.filter((o) => o.kind !== 'answered');
        expect(server.child.exitCode).toBeNull();
        expect(unanswered).toEqual([]);
        expect(answeredS.length + answeredU.length).toBe(payCount);
        expect(await waitForReady(server.port, 200)).toBe(true);

        // Unreachable: /readyz turns false, a pay is answered U (signed); back: /readyz true again.
        await relay.cut();
        const readyWhileCut = await waitForReady(server.port, 503);
        const payWhileCut = await client.call<Answer>('pay', payBody('WHILE-CUT'));
        await relay.start();
        const readyAfter = await waitForReady(server.port, 200);
        expect(readyWhileCut).toBe(true);
        expect(payWhileCut.kind === 'answered' && payWhileCut.response.result.resultCode).toBe(
          'UNKNOWN_EXCEPTION',
        );
        expect(readyAfter).toBe(true);

        // Alipay+ re-sends what was answered U; each of those pays now happens exactly once.
        const pending = new Set(
          [...outcomes]
            .filter(([, o]) => o.kind === 'answered' && o.response.result.resultStatus === 'U')
            .map(([id]) => id),
        );
        pending.add('WHILE-CUT');
        for (let round = 0; round < retryRoundsMax && pending.size > 0; round++) {
          for (const id of [...pending]) {
            const again = await client.call<Answer>('pay', payBody(id));
            if (again.kind === 'answered' && again.response.result.resultStatus === 'S') pending.delete(id);
          }
        }
        expect([...pending]).toEqual([]);
        await client.close();
        expect(server.child.exitCode).toBeNull();
        console.log(
          `lost-connection: ${payCount + 8 + 1} pays, ${terminated} backends terminated in 4 waves, ` +
            `${answeredS.length} S and ${answeredU.length} U during the burst, 0 unanswered, ` +
            `process alive; /readyz 503 while cut: ${readyWhileCut}, 200 after: ${readyAfter}`,
        );
        expect(terminated).toBeGreaterThan(0);
        server.child.kill('SIGTERM');
        await server.exited;

        const check = await openDatabase(location.url, location.schema ? { schema: location.schema } : {});
        try {
          expect((await checkInvariants(check.db, check.engine)).violations).toEqual([]);
          const paid = await check.db
            .selectFrom('payments')
            .select('payment_request_id')
            .where('status', '=', 'SUCCESS')
            .execute();
          expect(paid.length).toBe(payCount + 8 + 1);
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
        await relay.cut();
        await location.remove();
      }
    },
    90_000,
  );
});
