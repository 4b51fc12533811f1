// The Ant server against the real Mastercard token service: digitization approval (authorizeService),
// application status, activation and secondary confirmation, lock / unlock / delete through Mastercard,
// issuer suspensions told by notifyTokenUpdated, the event feed, and a Mastercard outage.

import type { TokenInfo } from '@tapkit/protocol/wire/ant-sdk';
import type { DbHandle } from '@tapkit/storage';
import { testEngines } from '@tapkit/storage/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lookupTokenOwner } from '../src/ant/adapters/db.ts';
import { ANT_SERVER_MIGRATIONS, type AntServerDatabase } from '../src/ant/app.ts';
import {
  type AntWorld,
  MPP_A_NFC_ISSUE_CONFIG,
  SDK_REQUEST_HEADER,
  startAntWorld,
} from './support/ant-world.ts';
import { MPP_B_CLIENT_ID, MPP_CLIENT_ID } from './support/keys.ts';

const tokenInfo = (answer: { ok: boolean; value?: unknown; error?: { code: string } }): TokenInfo => {
  if (!answer.ok) throw new Error(`expected ok, got ${answer.error?.code}`);
  return answer.value as TokenInfo;
};

for (const engine of testEngines<AntServerDatabase>(ANT_SERVER_MIGRATIONS)) {
  describe(`Ant server with the real token service (${engine.name})`, () => {
    let db: DbHandle<AntServerDatabase>;
    let world: AntWorld;
    let opened: { db?: DbHandle<AntServerDatabase>; world?: AntWorld } = {};

    beforeEach(async () => {
      opened = {};
      db = await engine.open();
      opened.db = db;
      world = await startAntWorld(db, { secondaryConfirmation: true });
      opened.world = world;
    });
    afterEach(async () => {
      await opened.world?.close();
      await opened.db?.close();
    });

    /** A customer known to Alipay+ (first SYNC_TOKEN) with a provisioned, ACTIVE token. */
    async function activeToken(customerId: string): Promise<string> {
      await world.sdk(customerId, 'SYNC_TOKEN', { op: 'STATUS' });
      const device = await world.newDevice(customerId);
      const digitized = await device.digitize();
      expect(digitized.ok).toBe(true);
      const { taskId, tokenUniqueReference } = digitized.value as {
        taskId: string;
        tokenUniqueReference: string;
      };
      await device.provisionAndActivate(taskId, tokenUniqueReference);
      await world.tokenService.service.drainNotifications();
      return tokenUniqueReference;
    }

    it('declines digitization for a customer Alipay+ does not know', async () => {
      const device = await world.newDevice('cust-stranger');
      const answer = await device.digitize();
      expect(answer).toMatchObject({ ok: false, error: { code: 'ISSUER_DECLINED' } });
    });

    it('declines digitization for a frozen customer', async () => {
      await world.sdk('cust-frozen', 'SYNC_TOKEN', { op: 'STATUS' });
      await world.ant.ant.setCustomerStatus(MPP_CLIENT_ID, 'cust-frozen', 'FROZEN');
      const device = await world.newDevice('cust-frozen');
      expect(await device.digitize()).toMatchObject({ ok: false, error: { code: 'ISSUER_DECLINED' } });
      const status = await world.sdk('cust-frozen', 'SYNC_TOKEN', { op: 'STATUS' });
      expect(status).toMatchObject({ ok: true, value: { customerStatus: 'FROZEN', tokens: [] } });
    });

    it('approves a known customer, maps the token, and activates it with a secondary confirmation', async () => {
      await world.sdk('cust-1', 'SYNC_TOKEN', { op: 'STATUS' });
      const device = await world.newDevice('cust-1');
      const digitized = await device.digitize();
      expect(digitized.ok).toBe(true);
      const { taskId, tokenUniqueReference: tur } = digitized.value as {
        taskId: string;
        tokenUniqueReference: string;
      };
      expect(await lookupTokenOwner(db.db, tur)).toEqual({
        mppClientId: MPP_CLIENT_ID,
        customerId: 'cust-1',
      });
      const applied = tokenInfo(
        await world.sdk('cust-1', 'SYNC_TOKEN', { op: 'APPLICATION_STATUS', tokenUniqueReference: tur }),
      );
      expect(applied).toMatchObject({
        applicationStatus: 'APPROVED',
        tokenState: 'INACTIVE',
        paymentAllowed: false,
      });

      await device.provisionAndActivate(taskId, tur);
      await world.tokenService.service.drainNotifications();
      const activated = tokenInfo(
        await world.sdk('cust-1', 'SYNC_TOKEN', { op: 'ACTIVATE', tokenUniqueReference: tur }),
      );
      expect(activated).toMatchObject({
        tokenState: 'ACTIVE',
        activation: 'ACTIVATED',
        confirmation: 'REQUIRED',
        paymentAllowed: false,
      });
      const confirmed = tokenInfo(
        await world.sdk('cust-1', 'SYNC_TOKEN', { op: 'CONFIRM_ACTIVATION', tokenUniqueReference: tur }),
      );
      expect(confirmed).toMatchObject({ confirmation: 'CONFIRMED', paymentAllowed: true });
      const transfer = tokenInfo(
        await world.sdk('cust-1', 'TRANSFER', {
          op: 'ACTIVATION_RESULT',
          tokenUniqueReference: tur,
          result: 'SUCCESS',
        }),
      );
      expect(transfer.paymentAllowed).toBe(true);

      const events = await world.sdk('cust-1', 'NOTIFY', { op: 'PULL' });
      expect(events.ok && events.value.events.map((e) => e.kind)).toEqual([
        'APPROVED',
        'ACTIVATED',
        'CONFIRMED',
      ]);
      const after = await world.sdk('cust-1', 'NOTIFY', {
        op: 'PULL',
        afterSequence: events.ok ? events.value.lastSequence : 0,
      });
      expect(after).toMatchObject({ ok: true, value: { events: [], lastSequence: 3 } });
    });

    it('locks and unlocks through Mastercard (suspendedBy CARDHOLDER), answering after Mastercard confirms', async () => {
      const tur = await activeToken('cust-2');
      const locked = tokenInfo(
        await world.sdk('cust-2', 'SYNC_TOKEN', { op: 'LOCK', tokenUniqueReference: tur }),
      );
      expect(locked).toMatchObject({
        tokenState: 'SUSPENDED',
        suspendedBy: ['CARDHOLDER'],
        lockedByCardholder: true,
      });
      const atMastercard = await world.tokenService.service.getToken(tur);
      expect(atMastercard).toMatchObject({
        ok: true,
        value: { state: 'SUSPENDED', suspendedBy: ['CARDHOLDER'] },
      });
      // Locking a locked token changes nothing and needs no call.
      expect(
        tokenInfo(await world.sdk('cust-2', 'SYNC_TOKEN', { op: 'LOCK', tokenUniqueReference: tur }))
          .lockedByCardholder,
      ).toBe(true);

      const unlocked = tokenInfo(
        await world.sdk('cust-2', 'SYNC_TOKEN', { op: 'UNLOCK', tokenUniqueReference: tur }),
      );
      expect(unlocked).toMatchObject({ tokenState: 'ACTIVE', suspendedBy: [], lockedByCardholder: false });
      expect(await world.tokenService.service.getToken(tur)).toMatchObject({
        ok: true,
        value: { state: 'ACTIVE' },
      });
      await world.tokenService.service.drainNotifications();
      // The late notifications of those changes do not undo the newer state.
      const status = await world.sdk('cust-2', 'SYNC_TOKEN', { op: 'STATUS' });
      expect(status.ok && status.value.tokens[0]?.tokenState).toBe('ACTIVE');
    });

    it('learns an issuer suspension from notifyTokenUpdated; the cardholder unlock does not lift it', async () => {
      const tur = await activeToken('cust-3');
      await world.tokenService.service.suspend(tur, 'ISSUER');
      await world.tokenService.service.drainNotifications();
      const status = await world.sdk('cust-3', 'SYNC_TOKEN', {
        op: 'APPLICATION_STATUS',
        tokenUniqueReference: tur,
      });
      expect(tokenInfo(status)).toMatchObject({
        tokenState: 'SUSPENDED',
        suspendedBy: ['ISSUER'],
        lockedByCardholder: false,
      });
      const events = await world.sdk('cust-3', 'NOTIFY', { op: 'PULL' });
      expect(events.ok && events.value.events.at(-1)?.kind).toBe('SUSPENDED');
      const locked = tokenInfo(
        await world.sdk('cust-3', 'SYNC_TOKEN', { op: 'LOCK', tokenUniqueReference: tur }),
      );
      expect(locked.suspendedBy).toEqual(['CARDHOLDER', 'ISSUER']);
      const unlocked = tokenInfo(
        await world.sdk('cust-3', 'SYNC_TOKEN', { op: 'UNLOCK', tokenUniqueReference: tur }),
      );
      expect(unlocked).toMatchObject({
        tokenState: 'SUSPENDED',
        suspendedBy: ['ISSUER'],
        paymentAllowed: false,
      });
    });

    it('deletes through Mastercard; the token leaves STATUS and refuses further commands', async () => {
      const tur = await activeToken('cust-4');
      const deleted = tokenInfo(
        await world.sdk('cust-4', 'SYNC_TOKEN', { op: 'DELETE', tokenUniqueReference: tur }),
      );
      expect(deleted.tokenState).toBe('DEACTIVATED');
      expect(await world.tokenService.service.getToken(tur)).toMatchObject({
        ok: true,
        value: { state: 'DEACTIVATED' },
      });
      expect(await world.sdk('cust-4', 'SYNC_TOKEN', { op: 'STATUS' })).toMatchObject({
        ok: true,
        value: { tokens: [] },
      });
      expect(
        await world.sdk('cust-4', 'SYNC_TOKEN', { op: 'LOCK', tokenUniqueReference: tur }),
      ).toMatchObject({
        ok: false,
        error: { code: 'TOKEN_DEACTIVATED' },
      });
    });

    it('answers MASTERCARD_UNAVAILABLE and keeps the status when Mastercard does not answer', async () => {
      const tur = await activeToken('cust-5');
      await world.stopTokenService();
      const answer = await world.sdk('cust-5', 'SYNC_TOKEN', { op: 'LOCK', tokenUniqueReference: tur });
      expect(answer).toMatchObject({ ok: false, error: { code: 'MASTERCARD_UNAVAILABLE', retryable: true } });
      const status = await world.sdk('cust-5', 'SYNC_TOKEN', {
        op: 'APPLICATION_STATUS',
        tokenUniqueReference: tur,
      });
      expect(tokenInfo(status)).toMatchObject({ tokenState: 'ACTIVE', lockedByCardholder: false });
    });

    it("hides another customer's token and refuses malformed bodies", async () => {
      const tur = await activeToken('cust-6');
      expect(
        await world.sdk('cust-other', 'SYNC_TOKEN', { op: 'LOCK', tokenUniqueReference: tur }),
      ).toMatchObject({
        ok: false,
        error: { code: 'TOKEN_NOT_EXIST' },
      });
      const bad = await world.sdk('cust-6', 'SYNC_TOKEN', {
        op: 'LOCK',
        tokenUniqueReference: 'has spaces',
      } as never);
      expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
      const outcome = await world.mpp.callApi('sdkProxy', {
        customerId: 'cust-6',
        sdkRequestType: 'APPLY',
        sdkRequestHeader: SDK_REQUEST_HEADER,
        sdkRequestBody: '{}',
      });
      expect(outcome.kind === 'answered' && outcome.response.result).toMatchObject({
        resultStatus: 'F',
        resultCode: 'PARAM_ILLEGAL',
      });
    });

    it('requires the sdkRequestHeader (doc: REQUIRED), signed or called in process', async () => {
      const signed = await world.mpp.callApi('sdkProxy', {
        customerId: 'cust-6',
        sdkRequestType: 'SYNC_TOKEN',
        sdkRequestBody: JSON.stringify({ op: 'STATUS' }),
      } as never);
      expect(signed.kind === 'answered' && signed.response.result).toMatchObject({
        resultStatus: 'F',
        resultCode: 'PARAM_ILLEGAL',
      });
      const direct = await world.ant.ant.handleSdkProxy(MPP_CLIENT_ID, {
        customerId: 'cust-6',
        sdkRequestType: 'SYNC_TOKEN',
        sdkRequestBody: JSON.stringify({ op: 'STATUS' }),
      } as never);
      expect(direct.result).toMatchObject({ resultStatus: 'F', resultCode: 'PARAM_ILLEGAL' });
      expect(direct.sdkResponseBody).toBeUndefined();
    });

    it("answers NFC_ISSUE_CONFIG with the MPP's configured nfc_issue_config, only what is configured", async () => {
      expect(await world.sdk('cust-9', 'SYNC_TOKEN', { op: 'NFC_ISSUE_CONFIG' })).toEqual({
        ok: true,
        value: MPP_A_NFC_ISSUE_CONFIG,
      });
      expect(await world.sdkB('cust-9', 'SYNC_TOKEN', { op: 'NFC_ISSUE_CONFIG' })).toEqual({
        ok: true,
        value: {},
      });
      expect(
        await world.sdk('cust-9', 'SYNC_TOKEN', { op: 'NFC_ISSUE_CONFIG', extra: 1 } as never),
      ).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    });

    it('keeps MPPs apart by Client-Id and declines a customer id two MPPs know', async () => {
      const tur = await activeToken('cust-7');
      // MPP B has its own customer cust-8; the same id at MPP B does not see MPP A's token.
      await world.sdkB('cust-8', 'SYNC_TOKEN', { op: 'STATUS' });
      const deviceB = await world.newDevice('cust-8');
      const digitized = await deviceB.digitize();
      expect(digitized.ok).toBe(true);
      const turB = (digitized.value as { tokenUniqueReference: string }).tokenUniqueReference;
      expect(await world.ant.lookupTokenOwner(turB)).toEqual({
        mppClientId: MPP_B_CLIENT_ID,
        customerId: 'cust-8',
      });
      expect(
        await world.sdkB('cust-7', 'SYNC_TOKEN', { op: 'LOCK', tokenUniqueReference: tur }),
      ).toMatchObject({
        ok: false,
        error: { code: 'TOKEN_NOT_EXIST' },
      });
      // Now cust-7 is known at both MPPs: the Mastercard hop cannot tell which wallet a new token is for.
      await world.sdkB('cust-7', 'SYNC_TOKEN', { op: 'STATUS' });
      const second = await world.newDevice('cust-7');
      expect(await second.digitize()).toMatchObject({ ok: false, error: { code: 'ISSUER_DECLINED' } });
      expect(await world.ant.lookupTokenOwner(tur)).toEqual({
        mppClientId: MPP_CLIENT_ID,
        customerId: 'cust-7',
      });
    });
  });
}
