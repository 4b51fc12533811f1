// The token service end to end over HTTP (fastify.inject), on every storage engine: the SDK's flow
// (register, digitize, wait, provision, replenish), the Ant server's (suspend, unsuspend, delete), and
// the proof that the credentials a device receives produce ARQCs the issuer side verifies.
import {
  type ArqcData,
  bytesToHex,
  computeArqc,
  deriveSessionKey,
  hexToBytes,
  sessionKeyInputCvn20,
  verifyArqc,
} from '@tapkit/emv';
import { nodeBlockCipher } from '@tapkit/emv/node-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLuhnValid } from '../src/token-service/domain/luhn.ts';
import {
  activateToken,
  START_MS,
  startTokenService,
  TEST_IMK,
  type TestTokenService,
} from './support/app.ts';
import { ANT_SECRET, type OpenedCredential, TestDevice } from './support/device.ts';
import { testEngines } from './support/engines.ts';

const cipher = nodeBlockCipher;

function arqcData(aip: string, atc: number): ArqcData {
  return {
    amountAuthorised: hexToBytes('000000001250'),
    amountOther: hexToBytes('000000000000'),
    terminalCountryCode: hexToBytes('0344'),
    tvr: hexToBytes('0000000000'),
    transactionCurrencyCode: hexToBytes('0344'),
    transactionDate: hexToBytes('261125'),
    transactionType: hexToBytes('00'),
    unpredictableNumber: hexToBytes('DEADBEEF'),
    aip: hexToBytes(aip),
    atc: Uint8Array.of(atc >> 8, atc & 0xff),
    cvr: hexToBytes('A00000000000'),
  };
}

async function antCall(ts: TestTokenService, tur: string, op: string, payload?: object, secret = ANT_SECRET) {
  return ts.app.inject({
    method: 'POST',
    url: `/mdes/v1/tokens/${tur}/${op}`,
    headers: { authorization: `Bearer ${secret}` },
    ...(payload === undefined ? {} : { payload }),
  });
}

for (const engine of testEngines()) {
  describe(`token service over HTTP [${engine.name}]`, () => {
    describe('activation with the default 20-30 s review', () => {
      let ts: TestTokenService;
      beforeAll(async () => {
        ts = await startTokenService(engine, { provisioningDelay: { minMs: 20_000, maxMs: 30_000 } });
      });
      afterAll(() => ts.stop());

      it('registers, digitizes, waits on the virtual clock, provisions keys that verify ARQCs', async () => {
        const device = new TestDevice(ts.app, 'customer-1');
        const deviceId = await device.register();
        expect(deviceId).toMatch(/^dev_[0-9a-f]{32}$/);

        const { taskId, tokenUniqueReference } = await device.ok('DIGITIZE', { deviceId });
        expect(ts.issuer.calls).toHaveLength(1);
        expect(ts.issuer.calls[0]).toMatchObject({
          customerId: 'customer-1',
          tokenUniqueReference,
          deviceInfo: { deviceId, deviceFingerprint: 'fp-test-device' },
        });

        const pending = await device.ok('TASK_STATUS', { deviceId, taskId });
        expect(pending.status).toBe('PENDING');
        const waitMs = pending.retryAfterMs ?? -1;
        expect(waitMs).toBeGreaterThanOrEqual(20_000);
        expect(waitMs).toBeLessThanOrEqual(30_000);
        expect(await device.errorCode('PROVISION', { deviceId, taskId })).toBe('TASK_PENDING');
        await ts.clock.advanceMs(waitMs - 1);
        expect((await device.ok('TASK_STATUS', { deviceId, taskId })).status).toBe('PENDING');
        await ts.clock.advanceMs(1);
        expect((await device.ok('TASK_STATUS', { deviceId, taskId })).status).toBe('READY');

        const provisioned = await device.ok('PROVISION', { deviceId, taskId });
        const profile = provisioned.cardProfile;
        expect(provisioned.tokenState).toBe('INACTIVE');
        expect(profile.tokenPan).toMatch(/^541333\d{10}$/);
        expect(isLuhnValid(profile.tokenPan)).toBe(true);
        expect(profile.psn).toBe('00');
        expect(profile.expiryDate).toBe('291130'); // November 2026 + 3 years, last day
        expect(profile.track2EquivalentData.startsWith(`${profile.tokenPan}D2911`)).toBe(true);
        expect(provisioned.credentials.map((c) => c.atc)).toEqual(
          Array.from({ length: 20 }, (_, i) => i + 1),
        );

        const opened = await device.openCredentials(tokenUniqueReference, provisioned.credentials);
        await expectArqcsVerify(ts, profile.tokenPan, profile.aip, opened);

        const notified = await device.ok('NOTIFY_PROVISION_RESULT', {
          deviceId,
          tokenUniqueReference,
          result: 'SUCCESS',
        });
        expect(notified.tokenState).toBe('ACTIVE');
        expect((await device.ok('TASK_STATUS', { deviceId, taskId })).status).toBe('DONE');
        await ts.service.drainNotifications();
        expect(ts.notifier.updates).toEqual([
          {
            tokenUniqueReference,
            customerId: 'customer-1',
            state: 'ACTIVE',
            suspendedBy: [],
            reason: 'ACTIVATED',
            eventTimeMs: START_MS + waitMs,
          },
        ]);
      });
    });

    describe('credentials, suspension and deletion', () => {
      let ts: TestTokenService;
      beforeAll(async () => {
        ts = await startTokenService(engine);
      });
      afterAll(() => ts.stop());

      it('replenishes with strictly increasing ATCs never reused, also under concurrent requests', async () => {
        const { device, tokenUniqueReference } = await activateToken(ts, 'customer-2');
        const fields = { deviceId: device.deviceId, tokenUniqueReference };
        const first = await device.ok('REPLENISH', { ...fields, usedAtcs: [1, 2, 3] });
        expect(first.credentials.map((c) => c.atc)).toEqual(Array.from({ length: 20 }, (_, i) => i + 21));
        const second = await device.ok('REPLENISH', { ...fields, usedAtcs: [21, 4], count: 5 });
        expect(second.credentials.map((c) => c.atc)).toEqual([41, 42, 43, 44, 45]);
        const concurrent = await Promise.all(
          Array.from({ length: 6 }, () => device.ok('REPLENISH', { ...fields, usedAtcs: [], count: 3 })),
        );
        const atcs = concurrent
          .flatMap((answer) => answer.credentials.map((c) => c.atc))
          .sort((a, b) => a - b);
        expect(atcs).toEqual(Array.from({ length: 18 }, (_, i) => i + 46));
        for (const answer of concurrent) {
          const batch = answer.credentials.map((c) => c.atc);
          expect(batch).toEqual([...batch].sort((a, b) => a - b));
        }
        const opened = await device.openCredentials(tokenUniqueReference, second.credentials);
        const pan = await panOf(ts, tokenUniqueReference);
        expect((await ts.directory.lookupByTokenPan(pan))?.state).toBe('ACTIVE');
        await expectArqcsVerify(ts, pan, '1882', opened);
      });

      it('refuses ATCs never issued and answers with a stable code', async () => {
        const { device, tokenUniqueReference } = await activateToken(ts, 'customer-3');
        const fields = { deviceId: device.deviceId, tokenUniqueReference };
        expect(await device.errorCode('REPLENISH', { ...fields, usedAtcs: [21] })).toBe('ATC_NOT_ISSUED');
        expect(await device.errorCode('REPLENISH', { ...fields, usedAtcs: [0] })).toBe('INVALID_REQUEST');
        const other = new TestDevice(ts.app, 'customer-3');
        await other.register();
        expect(
          await other.errorCode('REPLENISH', {
            deviceId: other.deviceId,
            tokenUniqueReference,
            usedAtcs: [],
          }),
        ).toBe('TOKEN_NOT_FOUND');
      });

      it('needs every suspension lifted before the token works again, and tells Alipay+ each change', async () => {
        const { device, tokenUniqueReference } = await activateToken(ts, 'customer-4');
        const fields = { deviceId: device.deviceId, tokenUniqueReference, usedAtcs: [] };
        const suspended = await antCall(ts, tokenUniqueReference, 'suspend', { reason: 'CARDHOLDER' });
        expect(suspended.statusCode).toBe(200);
        expect(suspended.json()).toEqual({
          tokenUniqueReference,
          tokenState: 'SUSPENDED',
          suspendedBy: ['CARDHOLDER'],
        });
        expect(await device.errorCode('REPLENISH', fields)).toBe('TOKEN_SUSPENDED');
        const pan = await panOf(ts, tokenUniqueReference);
        expect((await ts.directory.lookupByTokenPan(pan))?.state).toBe('SUSPENDED');

        await antCall(ts, tokenUniqueReference, 'suspend', { reason: 'ISSUER' });
        const again = await antCall(ts, tokenUniqueReference, 'suspend', { reason: 'ISSUER' });
        expect(again.json().suspendedBy).toEqual(['CARDHOLDER', 'ISSUER']);
        const partly = await antCall(ts, tokenUniqueReference, 'unsuspend', { reason: 'CARDHOLDER' });
        expect(partly.json()).toEqual({
          tokenUniqueReference,
          tokenState: 'SUSPENDED',
          suspendedBy: ['ISSUER'],
        });
        expect(await device.errorCode('REPLENISH', fields)).toBe('TOKEN_SUSPENDED');
        const resumed = await antCall(ts, tokenUniqueReference, 'unsuspend', { reason: 'ISSUER' });
        expect(resumed.json()).toEqual({ tokenUniqueReference, tokenState: 'ACTIVE', suspendedBy: [] });
        expect((await device.ok('REPLENISH', fields)).credentials).toHaveLength(20);

        await ts.service.drainNotifications();
        const mine = ts.notifier.updates.filter((u) => u.tokenUniqueReference === tokenUniqueReference);
        expect(mine.map((u) => [u.reason, u.state, u.suspendedBy.join('+')])).toEqual([
          ['ACTIVATED', 'ACTIVE', ''],
          ['SUSPENDED', 'SUSPENDED', 'CARDHOLDER'],
          ['SUSPENDED', 'SUSPENDED', 'CARDHOLDER+ISSUER'],
          ['SUSPENDED', 'SUSPENDED', 'ISSUER'],
          ['RESUMED', 'ACTIVE', ''],
        ]);
      });

      it('makes deletion final', async () => {
        const { device, taskId, tokenUniqueReference } = await activateToken(ts, 'customer-5');
        const deleted = await antCall(ts, tokenUniqueReference, 'delete', {});
        expect(deleted.json()).toEqual({ tokenUniqueReference, tokenState: 'DEACTIVATED', suspendedBy: [] });
        expect((await antCall(ts, tokenUniqueReference, 'delete')).statusCode).toBe(200);
        const unsuspend = await antCall(ts, tokenUniqueReference, 'unsuspend', { reason: 'CARDHOLDER' });
        expect(unsuspend.statusCode).toBe(409);
        expect(unsuspend.json().code).toBe('TOKEN_DEACTIVATED');
        const fields = { deviceId: device.deviceId, tokenUniqueReference, usedAtcs: [] };
        expect(await device.errorCode('REPLENISH', fields)).toBe('TOKEN_DEACTIVATED');
        expect((await device.ok('TASK_STATUS', { deviceId: device.deviceId, taskId })).status).toBe('FAILED');
        // The device may digitize again: a new token, a new PAN.
        const next = await device.ok('DIGITIZE', { deviceId: device.deviceId });
        expect(next.tokenUniqueReference).not.toBe(tokenUniqueReference);
      });

      it('authenticates the Ant server and validates its input', async () => {
        const { tokenUniqueReference } = await activateToken(ts, 'customer-6');
        expect(
          (await antCall(ts, tokenUniqueReference, 'suspend', { reason: 'CARDHOLDER' }, 'wrong')).statusCode,
        ).toBe(401);
        const noAuth = await ts.app.inject({
          method: 'POST',
          url: `/mdes/v1/tokens/${tokenUniqueReference}/suspend`,
        });
        expect(noAuth.statusCode).toBe(401);
        const badReason = await antCall(ts, tokenUniqueReference, 'suspend', { reason: 'BORED' });
        expect([badReason.statusCode, badReason.json().code]).toEqual([400, 'INVALID_REQUEST']);
        const unknown = await antCall(ts, 'DTKMCNOSUCHTOKEN', 'suspend', { reason: 'ISSUER' });
        expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'TOKEN_NOT_FOUND']);
        const read = await ts.app.inject({
          method: 'GET',
          url: `/mdes/v1/tokens/${tokenUniqueReference}`,
          headers: { authorization: `Bearer ${ANT_SECRET}` },
        });
        expect(read.json()).toEqual({ tokenUniqueReference, tokenState: 'ACTIVE', suspendedBy: [] });
      });
    });

    describe('digitization decisions and registration', () => {
      let ts: TestTokenService;
      beforeAll(async () => {
        ts = await startTokenService(engine);
      });
      afterAll(() => ts.stop());

      it('creates no token when the issuer declines or does not answer', async () => {
        const device = new TestDevice(ts.app, 'customer-7');
        await device.register();
        ts.issuer.outcome = { kind: 'decided', decision: 'DECLINED' };
        expect(await device.errorCode('DIGITIZE', { deviceId: device.deviceId })).toBe('ISSUER_DECLINED');
        ts.issuer.outcome = { kind: 'decided', decision: 'REQUIRE_ADDITIONAL_AUTHENTICATION' };
        expect(await device.errorCode('DIGITIZE', { deviceId: device.deviceId })).toBe(
          'ISSUER_ADDITIONAL_AUTHENTICATION_REQUIRED',
        );
        ts.issuer.outcome = { kind: 'unknown', detail: 'timeout' };
        expect(await device.errorCode('DIGITIZE', { deviceId: device.deviceId })).toBe('ISSUER_UNAVAILABLE');
        const rows = await ts.database.db.selectFrom('ts_tokens').select('token_pan').execute();
        expect(rows).toEqual([]);
        ts.issuer.outcome = { kind: 'decided', decision: 'APPROVED' };
      });

      it('gives a device the same task when DIGITIZE is retried', async () => {
        const device = new TestDevice(ts.app, 'customer-8');
        await device.register();
        const first = await device.ok('DIGITIZE', { deviceId: device.deviceId });
        const second = await device.ok('DIGITIZE', { deviceId: device.deviceId });
        expect(second).toEqual(first);
      });

      it("hides another customer's device", async () => {
        const device = new TestDevice(ts.app, 'customer-9');
        await device.register();
        const intruder = new TestDevice(ts.app, 'customer-10');
        expect(await intruder.errorCode('DIGITIZE', { deviceId: device.deviceId })).toBe('DEVICE_NOT_FOUND');
      });

      it('accepts a registration nonce once and only before it expires', async () => {
        const device = new TestDevice(ts.app, 'customer-11');
        const registration = await device.sealedRegistration();
        await device.ok('REGISTER_DEVICE', registration);
        expect(await device.errorCode('REGISTER_DEVICE', registration)).toBe('REGISTRATION_NONCE_INVALID');
        const late = await device.sealedRegistration();
        await ts.clock.advanceMs(5 * 60_000);
        expect(await device.errorCode('REGISTER_DEVICE', late)).toBe('REGISTRATION_NONCE_INVALID');
        expect(await device.errorCode('REGISTER_DEVICE', { ...late, keyId: 'other' })).toBe('KEY_ID_UNKNOWN');
        const stolen = await device.sealedRegistration();
        const thief = new TestDevice(ts.app, 'customer-11b');
        expect(await thief.errorCode('REGISTER_DEVICE', stolen)).toBe('REGISTRATION_NONCE_INVALID');
      });

      it('refuses a registration sealed to another key', async () => {
        const device = new TestDevice(ts.app, 'customer-12');
        const registration = (await device.sealedRegistration()) as {
          keyId: string;
          registration: { wrappedKey: string };
        };
        const tampered = {
          ...registration,
          registration: { ...registration.registration, wrappedKey: 'AAAA' },
        };
        expect(await device.errorCode('REGISTER_DEVICE', tampered)).toBe('REGISTRATION_INVALID');
      });
    });
  });
}

async function panOf(ts: TestTokenService, tokenUniqueReference: string): Promise<string> {
  const row = await ts.database.db
    .selectFrom('ts_tokens')
    .select('token_pan')
    .where('token_unique_reference', '=', tokenUniqueReference)
    .executeTakeFirstOrThrow();
  return row.token_pan;
}

/**
 * Each credential's session key computes an ARQC that the issuer side verifies from IMK-AC alone (EMV
 * option A MK, CVN 20 session key), and that the token directory's MK reproduces: the keys match.
 */
async function expectArqcsVerify(
  ts: TestTokenService,
  tokenPan: string,
  aip: string,
  opened: OpenedCredential[],
) {
  const record = await ts.directory.lookupByTokenPan(tokenPan);
  if (record === undefined) throw new Error('token not in the directory');
  const mk = await ts.directory.iccMasterKey(record);
  for (const credential of opened) {
    const data = arqcData(aip, credential.atc);
    const arqc = computeArqc({ cipher, sessionKey: credential.sessionKey, data });
    const verified = verifyArqc({
      cipher,
      imk: TEST_IMK,
      pan: tokenPan,
      psn: record.psn,
      cvn: 20,
      data,
      arqc,
    });
    expect(verified.valid, `ARQC of ATC ${credential.atc}`).toBe(true);
    const issuerSide = deriveSessionKey(cipher, { mk, r: sessionKeyInputCvn20(data.atc) });
    expect(bytesToHex(issuerSide)).toBe(bytesToHex(credential.sessionKey));
    const wrongAtc = arqcData(aip, credential.atc + 1);
    const forged = verifyArqc({
      cipher,
      imk: TEST_IMK,
      pan: tokenPan,
      psn: record.psn,
      cvn: 20,
      data: wrongAtc,
      arqc,
    });
    expect(forged.valid).toBe(false);
  }
}
