import { VirtualClock } from '@tapkit/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedUsers } from '../src/adapters/auth/seed-users.ts';
import type { DbHandle } from '../src/adapters/db/open.ts';
import {
  LOGIN_ATTEMPTS_PER_ADDRESS_MAX,
  LOGIN_FAILURES_PER_USERNAME_MAX,
  LOGIN_WINDOW_MS,
  registerAppRoutes,
  SESSIONS_PER_USER_MAX,
} from '../src/adapters/http/app-routes.ts';
import { createNfcProxy, type NfcProxy } from '../src/adapters/http/nfc-proxy.ts';
import { testEngines } from './support/engines.ts';

// Wallet logins: 200 wrong passwords used to go through in 4.6 s and the right one still worked after;
// a spray over many usernames was not slowed; sessions per user were unbounded; answers carrying the
// session token could be cached. The counts run on the VirtualClock, so the waits are exact.

const startMs = Date.UTC(2026, 10, 25, 4, 0, 0);
const users = Array.from({ length: 40 }, (_, i) => ({
  username: `user${i}`,
  password: `secret-${i}`,
  customerId: `CUST-${i}`,
  currencies: ['HKD'],
}));

describe.each(testEngines())('login throttling on $name', (engine) => {
  let handle: DbHandle;
  let clock: VirtualClock;
  let proxy: NfcProxy;
  let app: FastifyInstance;

  beforeAll(async () => {
    clock = new VirtualClock(startMs);
    // Never called here: the proxy routes are not under test.
    proxy = createNfcProxy({
      tokenServiceUrl: 'http://127.0.0.1:9',
      tokenServiceSecret: '',
      alipayPlus: undefined as never,
    });
  });
  afterAll(async () => {
    await proxy.close();
  });
  beforeEach(async () => {
    clock.setMs(startMs);
    handle = await engine.open();
    await seedUsers(handle, clock, users.slice(0, 2));
    app = Fastify({ logger: false });
    registerAppRoutes(app, { store: handle, clock, proxy, sessionTtlMs: 3_600_000 });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await handle.close();
  });

  const login = (username: string, password: string, remoteAddress = '10.0.0.1') =>
    app.inject({ method: 'POST', url: '/app/v1/login', payload: { username, password }, remoteAddress });

  it('locks a username after its failures, with a doubling wait, and the right password waits too', async () => {
    for (let i = 0; i < LOGIN_FAILURES_PER_USERNAME_MAX; i++) {
      expect((await login('user0', 'wrong', `10.0.1.${i}`)).statusCode).toBe(401);
    }
    // From other addresses, 20 more wrong passwords, then the right one: all throttled, no scrypt run.
    const codes = new Set<number>();
    for (let i = 0; i < 20; i++) codes.add((await login('user0', 'wrong', `10.0.2.${i}`)).statusCode);
    expect([...codes]).toEqual([429]);
    const right = await login('user0', 'secret-0', '10.0.3.1');
    expect(right.statusCode).toBe(429);
    expect(right.json().error.code).toBe('LOGIN_THROTTLED');
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(LOGIN_WINDOW_MS / 1000);
    // Another user is not affected.
    expect((await login('user1', 'secret-1', '10.0.3.2')).statusCode).toBe(200);
    // The wait doubled with each attempt (capped at an hour); once it is over the right password works.
    await clock.advanceMs(LOGIN_WINDOW_MS);
    expect((await login('user0', 'secret-0', '10.0.3.3')).statusCode).toBe(429);
    await clock.advanceMs(3_600_000);
    expect((await login('user0', 'secret-0', '10.0.3.4')).statusCode).toBe(200);
  });

  it('slows a spray over many usernames from one address', async () => {
    const statuses: number[] = [];
    for (const user of users) statuses.push((await login(user.username, 'wrong', '10.9.9.9')).statusCode);
    expect(statuses.slice(0, LOGIN_ATTEMPTS_PER_ADDRESS_MAX).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(LOGIN_ATTEMPTS_PER_ADDRESS_MAX).every((s) => s === 429)).toBe(true);
    // The right password of a fresh user from that address waits as well; from elsewhere it works.
    expect((await login('user1', 'secret-1', '10.9.9.9')).statusCode).toBe(429);
    expect((await login('user1', 'secret-1', '10.9.9.10')).statusCode).toBe(200);
  });

  it('keeps at most SESSIONS_PER_USER_MAX sessions per user, ending the oldest', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < SESSIONS_PER_USER_MAX + 3; i++) {
      await clock.advanceMs(1_000);
      const response = await login('user0', 'secret-0', `10.1.0.${i}`);
      expect(response.statusCode).toBe(200);
      tokens.push(response.json().token as string);
    }
    const sessions = await handle.db
      .selectFrom('sessions')
      .select('token_hash')
      .where('username', '=', 'user0')
      .execute();
    expect(sessions).toHaveLength(SESSIONS_PER_USER_MAX);
    const wallet = (token: string) =>
      app.inject({ method: 'GET', url: '/app/v1/wallet', headers: { authorization: `Bearer ${token}` } });
    expect((await wallet(tokens[0]!)).statusCode).toBe(401);
    expect((await wallet(tokens.at(-1)!)).statusCode).toBe(200);
  });

  it('marks every app answer no-store and nosniff, the login and the balances above all', async () => {
    const ok = await login('user0', 'secret-0');
    const failed = await login('user0', 'wrong');
    const wallet = await app.inject({
      method: 'GET',
      url: '/app/v1/wallet',
      headers: { authorization: `Bearer ${ok.json().token}` },
    });
    for (const response of [ok, failed, wallet]) {
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
  });
});
