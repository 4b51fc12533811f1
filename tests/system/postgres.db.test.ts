import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFileSecureStorage } from '@tapkit/sdk/node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTY_SCHEMAS } from '../../packages/cli/src/system/compose.ts';
import { DEMO_USERS, type RunningSystem, startSystem } from '../../packages/cli/src/system.ts';
import { json, MppAdmin, Shop, WalletApp } from './harness.ts';

// The whole system on PostgreSQL (`tapkit up --db postgres://...`): every party's store in one database,
// each in its own schema that the migrations create. A phone activates and taps through every party, the
// tables are where they belong, and a restart on the same database keeps the money (the demo top-ups are
// not repeated). Runs only with TAPKIT_TEST_POSTGRES_URL; the real clock, provisioning without delay.

const postgresUrl = process.env.TAPKIT_TEST_POSTGRES_URL ?? '';
if (postgresUrl === '') {
  console.warn(
    '\n*** TAPKIT_TEST_POSTGRES_URL is not set: the whole system on PostgreSQL is NOT tested ***\n',
  );
}

const prefix = `tapkit_test_${randomBytes(4).toString('hex')}_`;
const schemas = Object.values(PARTY_SCHEMAS).map((schema) => `${prefix}${schema}`);
const allPorts = { web: 0, mpp: 0, alipayPlus: 0, issuerTcp: 0, tokenService: 0, acquirerTcp: 0 };
const tapMinor = 250n;

async function query<Row>(text: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as Row[];
  } finally {
    await client.end();
  }
}

describe.skipIf(postgresUrl === '')('the whole system on PostgreSQL', () => {
  let dir = '';
  let system: RunningSystem | undefined;
  const start = (dataDir: string) =>
    startSystem({
      dataDir,
      db: postgresUrl,
      dbSchemaPrefix: prefix,
      provisioningDelayMs: 0,
      ports: allPorts,
      webDistDir: join(dir, 'no-dist'),
    });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tapkit-system-pg-'));
  });
  afterAll(async () => {
    await system?.close();
    for (const schema of schemas) await query(`drop schema if exists ${schema} cascade`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts each party in its own schema and pays a tap through every party', async () => {
    system = await start(join(dir, 'data'));
    const tables = await query<{ schema: string; count: string }>(
      `select table_schema as schema, count(*) as count from information_schema.tables
       where table_schema = any($1) group by table_schema`,
      [schemas],
    );
    expect(tables.map((t) => t.schema).sort()).toEqual([...schemas].sort());
    const mppTables = await query<{ name: string }>(
      'select table_name as name from information_schema.tables where table_schema = $1',
      [`${prefix}mpp`],
    );
    expect(mppTables.map((t) => t.name)).toEqual(expect.arrayContaining(['payments', 'notify_outbox']));

    const alice = DEMO_USERS[0];
    const phone = new WalletApp({
      mppUrl: system.urls.mpp,
      user: alice,
      storage: new NodeFileSecureStorage(join(dir, 'phone')),
      clock: system.clock,
      deviceName: 'pg-phone',
      config: {},
    });
    const shop = new Shop(system, system.clock);
    try {
      await phone.start();
      expect(await phone.sdk.activatePayment({ silentActivate: false, doConfirm: false })).toBe(2);
      const result = await shop.tap(phone, tapMinor);
      expect(result.label).toBe('APPROVED');
    } finally {
      await shop.close();
    }
    const admin = new MppAdmin(system);
    expect(await admin.balanceMinor(alice.customerId)).toBe(alice.startHkdMinor - tapMinor);
    const report = await admin.invariants();
    expect(report.violations).toEqual([]);
    // The issuer processor's and the network's books hold the authorization in their own schemas.
    const issuerPaid = await query<{ count: string }>(
      `select count(*) as count from ${prefix}alipayplus_issuer.issuer_authorizations`,
    );
    expect(Number(issuerPaid[0]?.count)).toBeGreaterThanOrEqual(1);
    // The operations timeline reads every party's store: the tap shows up in each of them.
    const [paid] = await query<{ id: string }>(
      `select payment_request_id as id from ${prefix}mpp.payments where status = 'SUCCESS'`,
    );
    const timeline = await json(
      `${system.urls.web}/system/v1/timeline?paymentRequestId=${encodeURIComponent(paid?.id ?? '')}`,
    );
    expect(timeline.status).toBe(200);
    const parties = new Set((timeline.body.entries as { party: string }[]).map((e) => e.party));
    expect(parties.size).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('keeps the money across a restart on the same database', async () => {
    await system?.close();
    system = await start(join(dir, 'data'));
    const admin = new MppAdmin(system);
    const alice = DEMO_USERS[0];
    expect(await admin.balanceMinor(alice.customerId)).toBe(alice.startHkdMinor - tapMinor);
    expect((await admin.invariants()).violations).toEqual([]);
  }, 60_000);
});
