// The issuer processor's decision reaches the Ant server's NOTIFY feed (TRANSACTION_RESULT), the way the
// SDK learns a decline whose 0110 never comes back to the phone: the real MPP server (signed HTTP), the
// issuer processor (ISO 8583 over TCP) and the Ant service with its own database, joined by the
// onAuthorizationDecided port exactly as the composition wires it.
import { getText } from '@tapkit/emv';
import { sdkBodyCharsMax } from '@tapkit/protocol';
import { antResponseSchema, type TokenEvent } from '@tapkit/protocol/wire/ant-sdk';
import type { DbHandle } from '@tapkit/storage';
import { testEngines } from '@tapkit/storage/testing';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AntDatabase, createKyselyAntStore } from '../src/ant/adapters/db.ts';
import { ANT_SERVER_MIGRATIONS, type AntServerDatabase } from '../src/ant/app.ts';
import type { MastercardTokenManagement } from '../src/ant/ports.ts';
import { AntService } from '../src/ant/service.ts';
import type { IssuerDatabase } from '../src/issuer/adapters/db/schema.ts';
import { openIssuerDatabase } from '../src/issuer/compose.ts';
import {
  authorizationFields,
  CUSTOMER,
  MPP_CLIENT_ID,
  startWorld,
  TOKEN,
  type World,
} from './support/issuer-world.ts';

const unused: MastercardTokenManagement = {
  suspend: async () => ({ kind: 'unavailable', detail: 'not in this test' }),
  unsuspend: async () => ({ kind: 'unavailable', detail: 'not in this test' }),
  delete: async () => ({ kind: 'unavailable', detail: 'not in this test' }),
};

let traceCount = 0;
const nextTrace = () => `R${String(++traceCount).padStart(20, '0')}`;

for (const engine of testEngines<AntServerDatabase>(ANT_SERVER_MIGRATIONS)) {
  describe(`issuer decision → Ant NOTIFY feed (${engine.name})`, () => {
    let antDb: DbHandle<AntServerDatabase>;
    let ant: AntService;
    let world: World;
    let issuerDb: DbHandle<IssuerDatabase>;

    beforeEach(async () => {
      antDb = await engine.open();
      issuerDb = await openIssuerDatabase(':memory:');
      world = await startWorld(issuerDb, {
        onAuthorizationDecided: (event) => ant.recordTransactionResult(event),
      });
      ant = new AntService({
        store: createKyselyAntStore(antDb.db as unknown as Kysely<AntDatabase>),
        mastercard: unused,
        clock: world.clock,
        mpps: [{ clientId: MPP_CLIENT_ID }],
      });
      // The customer becomes known through its MPP, then the token service's authorizeService approves.
      await pull(0);
      const approved = await ant.authorizeService({
        requestId: 'auth-1',
        customerId: CUSTOMER,
        tokenUniqueReference: TOKEN,
        deviceInfo: { deviceId: 'device-1', deviceFingerprint: 'fp' },
      });
      expect(approved.decision).toBe('APPROVED');
    });

    afterEach(async () => {
      await world.close();
      await issuerDb.close();
      await antDb.close();
    });

    async function pull(afterSequence: number): Promise<TokenEvent[]> {
      const answer = await ant.handleSdkProxy(MPP_CLIENT_ID, {
        customerId: CUSTOMER,
        sdkRequestType: 'NOTIFY',
        sdkRequestHeader: '{"sdkVersion":"0.1.0"}',
        sdkRequestBody: JSON.stringify({ op: 'PULL', afterSequence }),
      });
      const parsed = antResponseSchema('PULL').parse(JSON.parse(answer.sdkResponseBody ?? 'null'));
      if (!parsed.ok) throw new Error(parsed.error.code);
      return parsed.value.events;
    }

    it('a declined authorization (insufficient balance) records DE39 51 with the MPP resultCode', async () => {
      const trace = nextTrace();
      const answer = await world.peer.send(
        '0100',
        authorizationFields({ trace, amountMinor: 20_000n, atc: 7 }),
      );
      expect(getText(answer, 39)).toBe('51');
      await world.settle();
      const events = (await pull(0)).filter((e) => e.kind === 'TRANSACTION_RESULT');
      expect(events).toHaveLength(1);
      expect(events[0]?.tokenUniqueReference).toBe(TOKEN);
      expect(events[0]?.transaction).toEqual({
        atc: 7,
        networkTraceId: trace,
        approved: false,
        de39: '51',
        resultCode: 'USER_BALANCE_NOT_ENOUGH',
        amount: { currency: 'HKD', value: '20000' },
        customData: 'basket-7',
      });
    });

    it('an approved authorization records 00 without a resultCode; a duplicate 0100 records nothing more', async () => {
      const trace = nextTrace();
      const fields = authorizationFields({ trace, amountMinor: 1_500n, atc: 0x0102 });
      expect(getText(await world.peer.send('0100', fields), 39)).toBe('00');
      expect(getText(await world.peer.send('0100', fields), 39)).toBe('00');
      await world.settle();
      const events = (await pull(0)).filter((e) => e.kind === 'TRANSACTION_RESULT');
      expect(events.map((e) => e.transaction)).toEqual([
        {
          atc: 0x0102,
          networkTraceId: trace,
          approved: true,
          de39: '00',
          amount: { currency: 'HKD', value: '1500' },
          customData: 'basket-7',
        },
      ]);
    });

    it('a PULL answer with large results stays inside sdkResponseBody; the rest come with the next PULL', async () => {
      const countMax = 60;
      for (let atc = 1; atc <= countMax; atc++) {
        await ant.recordTransactionResult({
          tokenUniqueReference: TOKEN,
          atc,
          networkTraceId: `N${String(atc).padStart(63, '0')}`,
          approved: false,
          de39: '05',
          resultCode: 'X'.repeat(64),
          amount: { currency: 'HKD', value: '1' },
          customData: '\u0001'.repeat(256),
        });
      }
      const seen: number[] = [];
      let after = 0;
      for (let page = 0; page < countMax; page++) {
        const answer = await ant.handleSdkProxy(MPP_CLIENT_ID, {
          customerId: CUSTOMER,
          sdkRequestType: 'NOTIFY',
          sdkRequestHeader: '{"sdkVersion":"0.1.0"}',
          sdkRequestBody: JSON.stringify({ op: 'PULL', afterSequence: after }),
        });
        expect((answer.sdkResponseBody ?? '').length).toBeLessThanOrEqual(sdkBodyCharsMax);
        const parsed = antResponseSchema('PULL').parse(JSON.parse(answer.sdkResponseBody ?? 'null'));
        if (!parsed.ok || parsed.value.events.length === 0) break;
        seen.push(
          ...parsed.value.events.flatMap((e) => (e.transaction === undefined ? [] : [e.transaction.atc])),
        );
        after = parsed.value.lastSequence;
      }
      expect(seen).toEqual(Array.from({ length: countMax }, (_, i) => i + 1));
    });

    it('an authorization without an ATC (no DE55 9F36) records nothing', async () => {
      const answer = await world.peer.send(
        '0100',
        authorizationFields({ trace: nextTrace(), amountMinor: 100n }),
      );
      expect(getText(answer, 39)).toBe('00');
      await world.settle();
      expect((await pull(0)).filter((e) => e.kind === 'TRANSACTION_RESULT')).toEqual([]);
    });
  });
}
