import type { AddressInfo } from 'node:net';
import { encodeIso8583, getText, type Iso8583Message, iso8583v1987 } from '@tapkit/emv';
import type { VirtualClock } from '@tapkit/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ACQUIRER_GATEWAY_PATH, bytesToBase64, HttpNetworkConnection } from '../src/adapters/http-network.ts';
import { registerAcquirerGateway } from '../src/adapters/node-acquirer-gateway.ts';
import { type Acquirer, createAcquirer } from '../src/adapters/node-tcp.ts';
import { InProcessNfcLink } from '../src/links/in-process.ts';
import type { NetworkExchangeResult } from '../src/ports.ts';
import { PosTerminal } from '../src/terminal.ts';
import { countingRandom, testClock, testConfig } from './support/fixtures.ts';
import { answer, FramedTestServer, type ServerHandler } from './support/framed-server.ts';
import { ScriptedCard } from './support/scripted-card.ts';

// The browser POS's path to the network: HttpNetworkConnection (fetch) → the acquirer gateway on a real
// Fastify server → the framed TCP client → a framed ISO 8583 server on loopback, and back.

interface Harness {
  server: FramedTestServer;
  gatewayClock: VirtualClock;
  acquirer: Acquirer;
  app: FastifyInstance;
  url: string;
  seen: { mti: string; ok: boolean }[];
}

let harness: Harness | undefined;

async function start(handler: ServerHandler): Promise<Harness> {
  const server = new FramedTestServer(handler);
  await server.listen();
  const gatewayClock = testClock();
  const seen: Harness['seen'] = [];
  // The acquirer host as `tapkit up` builds it, with a test's small limits.
  const acquirer = createAcquirer({
    network: { host: '127.0.0.1', port: server.port },
    clock: gatewayClock,
    limits: {
      connectTimeoutMs: 2_000,
      pendingCountMax: 8,
      timeoutMsMax: 10_000,
      timeoutMsDefault: 5_000,
      inFlightMax: 4,
    },
    onExchange: (request: Iso8583Message, result: NetworkExchangeResult) =>
      seen.push({ mti: request.mti, ok: result.ok }),
  });
  const app = Fastify();
  registerAcquirerGateway(app, acquirer.gateway);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  harness = { server, gatewayClock, acquirer, app, url, seen };
  return harness;
}

afterEach(async () => {
  if (harness === undefined) return;
  harness.acquirer.close();
  await harness.app.close();
  await harness.server.close();
  harness = undefined;
});

function terminalOver(url: string) {
  const clock = testClock();
  const connection = new HttpNetworkConnection({ baseUrl: url, clock, pendingCountMax: 4 });
  return new PosTerminal({ config: testConfig(), clock, random: countingRandom(), connection });
}

const approve: ServerHandler = (request) =>
  request.mti === '0100' ? answer(request, { 39: '00', 38: 'GW0001' }) : answer(request, { 39: '00' });

describe('acquirer gateway + HttpNetworkConnection', () => {
  it('carries a tap to the network and its approval back to the POS', async () => {
    const { server, url, seen } = await start(approve);
    const terminal = terminalOver(url);
    const card = new ScriptedCard({ customData: 'via-http' });
    const outcome = await terminal.tap(new InProcessNfcLink(card.processApdu), {
      type: 'PURCHASE',
      amountMinor: 4_200n,
    });
    expect(outcome).toMatchObject({ kind: 'APPROVED', approvalCode: 'GW0001' });
    const request = server.received[0];
    expect(request?.mti).toBe('0100');
    expect(request === undefined ? undefined : getText(request, 4)).toBe('000000004200');
    expect(seen).toEqual([{ mti: '0100', ok: true }]);
  });

  it('passes a network decline through unchanged', async () => {
    const { url } = await start((request) => answer(request, { 39: '51' }));
    const terminal = terminalOver(url);
    const card = new ScriptedCard({});
    const outcome = await terminal.tap(new InProcessNfcLink(card.processApdu), {
      type: 'PURCHASE',
      amountMinor: 100n,
    });
    expect(outcome).toMatchObject({ kind: 'DECLINED', reason: { source: 'NETWORK', responseCode: '51' } });
  });

  it('answers 504 NETWORK_TIMEOUT when the network stays silent, and the client says NETWORK_TIMEOUT', async () => {
    const { server, url, gatewayClock } = await start(() => undefined);
    const clientClock = testClock();
    const client = new HttpNetworkConnection({ baseUrl: url, clock: clientClock, pendingCountMax: 4 });
    const request: Iso8583Message = {
      mti: '0800',
      fields: new Map([
        [7, '1125103000'],
        [11, '000077'],
        [41, 'TAPKIT01'],
        [70, '301'],
      ]),
    };
    const pending = client.exchange(request, 3_000);
    await server.waitFor((m) => m.mti === '0800');
    await gatewayClock.advanceMs(3_000);
    const result = await pending;
    expect(result).toEqual({ ok: false, error: { code: 'NETWORK_TIMEOUT' } });
  });

  it('refuses bodies that are not a base64 ISO 8583 message, without sending anything', async () => {
    const { server, app } = await start(approve);
    const post = (payload: unknown) =>
      app.inject({ method: 'POST', url: ACQUIRER_GATEWAY_PATH, payload: payload as object });
    const notJson = await post({ message: 42 });
    expect([notJson.statusCode, notJson.json()]).toEqual([400, { code: 'BODY_INVALID' }]);
    const notBase64 = await post({ message: '***' });
    expect([notBase64.statusCode, notBase64.json()]).toEqual([400, { code: 'MESSAGE_INVALID' }]);
    const garbage = await post({ message: bytesToBase64(Uint8Array.of(1, 2, 3)) });
    expect([garbage.statusCode, garbage.json()]).toEqual([400, { code: 'MESSAGE_INVALID' }]);
    const badTimeout = await post({ message: 'AAAA', timeoutMs: -5 });
    expect(badTimeout.statusCode).toBe(400);
    // Fastify's body limit answers first: nothing that large is even parsed.
    const tooBig = await post({ message: 'A'.repeat(20_000) });
    expect(tooBig.statusCode).toBe(413);
    expect(server.received).toEqual([]);
  });

  it('answers 503 NETWORK_UNAVAILABLE when the network cannot be reached', async () => {
    const { app, server } = await start(approve);
    await server.close();
    const message = bytesToBase64(
      encodeIso8583(iso8583v1987, {
        mti: '0800',
        fields: new Map([
          [7, '1125103000'],
          [11, '000078'],
          [41, 'TAPKIT01'],
          [70, '301'],
        ]),
      }),
    );
    const response = await app.inject({ method: 'POST', url: ACQUIRER_GATEWAY_PATH, payload: { message } });
    expect([response.statusCode, response.json()]).toEqual([503, { code: 'NETWORK_UNAVAILABLE' }]);
  });
});
