// The HTTP edge of the token service: whatever arrives, the answer is a clear error with a stable code,
// never a 500 and never a stack trace.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTokenService, type TestTokenService } from './support/app.ts';
import { MPP_SECRET } from './support/device.ts';
import { testEngines } from './support/engines.ts';

const auth = { authorization: `Bearer ${MPP_SECRET}` };
const AnswerSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);

for (const engine of testEngines()) {
  describe(`token service HTTP edge [${engine.name}]`, () => {
    let ts: TestTokenService;
    beforeAll(async () => {
      ts = await startTokenService(engine);
    });
    afterAll(() => ts.stop());

    const post = (payload: string | object, headers: Record<string, string> = auth) =>
      ts.app.inject({
        method: 'POST',
        url: '/mdes/v1/sdk',
        headers: { 'content-type': 'application/json', ...headers },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
    const inner = async (type: string, body: string) => {
      const response = await post({ customerId: 'c1', type, body });
      expect(response.statusCode).toBe(200);
      return AnswerSchema.parse(JSON.parse((response.json() as { body: string }).body));
    };

    it('answers edge faults with their codes', async () => {
      const cases: Array<[Promise<{ statusCode: number; json(): { code: string } }>, number, string]> = [
        [post('{"customerId":'), 400, 'INVALID_REQUEST'],
        [post({ customerId: 'c1', type: 'SYNC_TOKEN', body: '{}' }), 400, 'INVALID_REQUEST'],
        [post({ customerId: '', type: 'APPLY', body: '{}' }), 400, 'INVALID_REQUEST'],
        [post({ customerId: 'c1', type: 'APPLY' }), 400, 'INVALID_REQUEST'],
        [post({ customerId: 'c1', type: 'APPLY', body: '{}' }, {}), 401, 'UNAUTHORIZED'],
        [post({ customerId: 'c1', type: 'APPLY', body: 'x'.repeat(300_000) }), 413, 'BODY_TOO_LARGE'],
        [
          ts.app.inject({
            method: 'POST',
            url: '/mdes/v1/sdk',
            headers: { ...auth, 'content-type': 'text/plain' },
            payload: 'hi',
          }),
          415,
          'MEDIA_TYPE_UNSUPPORTED',
        ],
        [ts.app.inject({ method: 'GET', url: '/nowhere' }), 404, 'NOT_FOUND'],
      ];
      for (const [pending, status, code] of cases) {
        const response = await pending;
        expect([response.statusCode, response.json().code]).toEqual([status, code]);
      }
    });

    it('answers a malformed SDK body inside a 200 with INVALID_REQUEST', async () => {
      for (const [type, body] of [
        ['APPLY', 'not json'],
        ['APPLY', '{"action":"DANCE"}'],
        ['GET_PK', '{"action":"DIGITIZE","deviceId":"dev_1"}'],
        ['REPLENISH', '{"action":"REPLENISH","deviceId":"d","tokenUniqueReference":"t","usedAtcs":[70000]}'],
        [
          'REPLENISH',
          '{"action":"REPLENISH","deviceId":"d","tokenUniqueReference":"t","usedAtcs":[],"count":101}',
        ],
      ] as const) {
        const answer = await inner(type, body);
        expect(answer.ok === false && answer.error.code, body).toBe('INVALID_REQUEST');
      }
    });

    it('never fails with a 500 on arbitrary SDK bodies', async () => {
      const action = fc.constantFrom(
        'GET_PUBLIC_KEY',
        'REGISTER_DEVICE',
        'DIGITIZE',
        'TASK_STATUS',
        'PROVISION',
        'REPLENISH',
      );
      const body = fc.oneof(
        fc.json(),
        fc.string(),
        fc
          .record(
            { action, deviceId: fc.string(), taskId: fc.string(), usedAtcs: fc.array(fc.integer()) },
            { requiredKeys: ['action'] },
          )
          .map((v) => JSON.stringify(v)),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('GET_PK', 'APPLY', 'REPLENISH'), body, async (type, text) => {
          const answer = await inner(type, text);
          if (!answer.ok) expect(answer.error.code).toMatch(/^[A-Z_]+$/);
        }),
        { numRuns: 150 },
      );
    });

    it('never fails with a 500 on arbitrary outer payloads', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.string(), fc.json()), async (payload) => {
          const response = await post(payload);
          expect([200, 400, 413]).toContain(response.statusCode);
        }),
        { numRuns: 150 },
      );
    });
  });
}
