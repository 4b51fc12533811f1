// Garbage in, clean error out: whatever an SDK (or a tampered app) puts in sdkRequestBody, the Ant server
// answers S with a readable { ok: false, INVALID_REQUEST } or a valid answer — never a throw, never a 500.
import { VirtualClock } from '@tapkit/protocol';
import { AntErrorSchema } from '@tapkit/protocol/wire/ant-sdk';
import type { DbHandle } from '@tapkit/storage';
import { testEngines } from '@tapkit/storage/testing';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AntDatabase, createKyselyAntStore } from '../src/ant/adapters/db.ts';
import { ANT_SERVER_MIGRATIONS, type AntServerDatabase } from '../src/ant/app.ts';
import { AntService } from '../src/ant/service.ts';

const unavailable = async () => ({ kind: 'unavailable' as const, detail: 'not in this test' });

for (const engine of testEngines<AntServerDatabase>(ANT_SERVER_MIGRATIONS)) {
  describe(`sdkProxy bodies (${engine.name})`, () => {
    let handle: DbHandle<AntServerDatabase> | undefined;
    let service: AntService;

    beforeAll(async () => {
      handle = await engine.open();
      service = new AntService({
        store: createKyselyAntStore(handle.db as unknown as Kysely<AntDatabase>),
        mastercard: { suspend: unavailable, unsuspend: unavailable, delete: unavailable },
        clock: new VirtualClock(Date.parse('2026-11-25T04:00:00Z')),
        mpps: [{ clientId: 'MPP' }],
      });
    });
    afterAll(async () => {
      await handle?.close();
    });

    it('answers every body with S and a readable sdkResponseBody', async () => {
      const body = fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.json({ maxDepth: 3 }),
        fc
          .record(
            {
              op: fc.constantFrom('STATUS', 'LOCK', 'PULL', 'ACTIVATION_RESULT', 'NOPE'),
              tokenUniqueReference: fc.string(),
            },
            {
              requiredKeys: ['op'],
            },
          )
          .map((value) => JSON.stringify(value)),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('SYNC_TOKEN', 'NOTIFY', 'TRANSFER'), body, async (type, text) => {
          const answer = await service.handleSdkProxy('MPP', {
            customerId: 'fuzz',
            sdkRequestType: type,
            sdkRequestHeader: '{"sdkVersion":"0.1.0"}',
            sdkRequestBody: text || '{}',
          });
          expect(answer.result.resultStatus).toBe('S');
          const parsed = JSON.parse(answer.sdkResponseBody ?? 'null') as { ok: boolean; error?: unknown };
          if (!parsed.ok) expect(AntErrorSchema.safeParse(parsed.error).success).toBe(true);
        }),
        { numRuns: engine.name === 'sqlite' ? 300 : 60 },
      );
    });
  });
}
