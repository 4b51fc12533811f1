// How the management client reads the token service's answers: only a documented 4xx is a refusal;
// 401, 5xx, malformed answers and no answer leave the outcome unknown (the Ant server changes nothing).
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MastercardTokensHttp } from './mastercard-http.ts';

const answers: Record<string, { status: number; body: unknown }> = {
  OK: {
    status: 200,
    body: { tokenUniqueReference: 'OK', tokenState: 'SUSPENDED', suspendedBy: ['CARDHOLDER'] },
  },
  CONFLICT: { status: 409, body: { code: 'TOKEN_NOT_ACTIVE', message: 'not active' } },
  UNAUTHORIZED: { status: 401, body: { code: 'UNAUTHORIZED', message: 'no' } },
  BROKEN: { status: 500, body: { code: 'INTERNAL_ERROR', message: 'boom' } },
  MALFORMED: { status: 200, body: { tokenState: 'MAYBE' } },
};

const app = Fastify();
const seen: { path: string; authorization?: string; body: unknown }[] = [];
app.post('/prefix/mdes/v1/tokens/:tur/:action', async (request, reply) => {
  const { tur } = request.params as { tur: string };
  seen.push({ path: request.url, authorization: request.headers.authorization, body: request.body });
  const answer = answers[tur] ?? answers.BROKEN;
  return reply.code(answer?.status ?? 500).send(answer?.body);
});
let client: MastercardTokensHttp;

beforeAll(async () => {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  client = new MastercardTokensHttp({
    baseUrl: `http://127.0.0.1:${port}/prefix`,
    bearerSecret: 's3cret',
    timeoutMs: 2_000,
  });
});
afterAll(async () => {
  await client.close();
  await app.close();
});

describe('MastercardTokensHttp', () => {
  it('posts the documented path, body and bearer secret and reads the token view', async () => {
    expect(await client.suspend('OK', 'CARDHOLDER')).toEqual({
      kind: 'done',
      token: { tokenUniqueReference: 'OK', tokenState: 'SUSPENDED', suspendedBy: ['CARDHOLDER'] },
    });
    expect(seen.at(-1)).toEqual({
      path: '/prefix/mdes/v1/tokens/OK/suspend',
      authorization: 'Bearer s3cret',
      body: { reason: 'CARDHOLDER' },
    });
  });

  it('reads a coded 4xx as a refusal and everything else as unknown', async () => {
    expect(await client.unsuspend('CONFLICT', 'CARDHOLDER')).toEqual({
      kind: 'refused',
      code: 'TOKEN_NOT_ACTIVE',
      message: 'not active',
    });
    expect((await client.delete('UNAUTHORIZED')).kind).toBe('unavailable');
    expect((await client.delete('BROKEN')).kind).toBe('unavailable');
    expect((await client.delete('MALFORMED')).kind).toBe('unavailable');
    const nobody = new MastercardTokensHttp({
      baseUrl: 'http://127.0.0.1:9',
      bearerSecret: 'x',
      timeoutMs: 500,
    });
    expect((await nobody.delete('OK')).kind).toBe('unavailable');
    await nobody.close();
  });
});
