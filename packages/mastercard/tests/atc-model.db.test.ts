// Model-based test of the token service on every engine: random sequences of REPLENISH (with random
// reports of used ATCs and batch sizes), suspend and unsuspend agree with a small model, and no ATC is
// ever issued twice for a token.

import { SUSPEND_REASONS, type SuspendReason } from '@tapkit/protocol/wire/token-service';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTokenService, type TestTokenService } from './support/app.ts';
import { TestDevice } from './support/device.ts';
import { testEngines } from './support/engines.ts';

type Command =
  | { kind: 'REPLENISH'; count: number; reportShare: number }
  | { kind: 'SUSPEND'; reason: SuspendReason }
  | { kind: 'UNSUSPEND'; reason: SuspendReason };

const reason = fc.constantFrom(...SUSPEND_REASONS);
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('REPLENISH' as const),
      count: fc.integer({ min: 1, max: 7 }),
      reportShare: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('SUSPEND' as const), reason }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('UNSUSPEND' as const), reason }), weight: 1 },
);

for (const engine of testEngines()) {
  describe(`ATC model [${engine.name}]`, () => {
    let ts: TestTokenService;
    let device: TestDevice;
    beforeAll(async () => {
      ts = await startTokenService(engine, { credentialBatchSize: 3 });
      device = new TestDevice(ts.app, 'customer-model');
      await device.register();
    });
    afterAll(() => ts.stop());

    it('issues strictly increasing, never reused ATCs whatever the interleaving', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 12 }), async (commands) => {
          const service = ts.service;
          const { taskId } = await device.ok('DIGITIZE', { deviceId: device.deviceId });
          const provisioned = await service.provision('customer-model', {
            deviceId: device.deviceId,
            taskId,
          });
          if (!provisioned.ok) throw new Error(provisioned.error.code);
          const tur = provisioned.value.tokenUniqueReference;
          await service.notifyProvisionResult('customer-model', {
            deviceId: device.deviceId,
            tokenUniqueReference: tur,
            result: 'SUCCESS',
          });
          const issued = provisioned.value.credentials.map((c) => c.atc);
          const reasons = new Set<SuspendReason>();
          for (const c of commands) {
            if (c.kind === 'SUSPEND') {
              expect((await service.suspend(tur, c.reason)).ok).toBe(true);
              reasons.add(c.reason);
            } else if (c.kind === 'UNSUSPEND') {
              expect((await service.unsuspend(tur, c.reason)).ok).toBe(true);
              reasons.delete(c.reason);
            } else {
              const used = issued.slice(0, Math.floor(issued.length * c.reportShare));
              const answer = await service.replenish('customer-model', {
                deviceId: device.deviceId,
                tokenUniqueReference: tur,
                usedAtcs: used,
                count: c.count,
              });
              if (reasons.size > 0) {
                expect(answer.ok === false && answer.error.code).toBe('TOKEN_SUSPENDED');
                continue;
              }
              if (!answer.ok) throw new Error(answer.error.code);
              const last = issued.at(-1) ?? 0;
              expect(answer.value.credentials.map((cr) => cr.atc)).toEqual(
                Array.from({ length: c.count }, (_, i) => last + 1 + i),
              );
              issued.push(...answer.value.credentials.map((cr) => cr.atc));
            }
            const view = await service.getToken(tur);
            expect(view.ok && view.value.state).toBe(reasons.size > 0 ? 'SUSPENDED' : 'ACTIVE');
          }
          expect(new Set(issued).size).toBe(issued.length);
          expect((await service.delete(tur)).ok).toBe(true);
        }),
        { numRuns: 25 },
      );
    });
  });
}
