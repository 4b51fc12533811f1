import { connect } from 'node:net';
import { encodeFrame, type FieldValue, getText, type Iso8583Message, tcpFraming } from '@tapkit/emv';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerIssuerRoutes } from '../src/issuer/adapters/http.ts';
import { responseTo } from '../src/issuer/adapters/iso-messages.ts';
import { IssuerTcpServer } from '../src/issuer/adapters/tcp-server.ts';
import { silentLogger } from '../src/issuer/ports.ts';
import { NetworkPeer } from './support/issuer-world.ts';

// The ISO 8583 TCP link on its own: concurrent messages on one connection, the in-flight bound, garbage.

const echo = (stan: number): Map<number, FieldValue> =>
  new Map<number, FieldValue>([
    [70, '301'],
    [7, String(stan).padStart(10, '0')],
  ]);

describe('issuer TCP link', () => {
  let server: IssuerTcpServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('answers concurrent messages as they finish and pauses reading above inFlightMax', async () => {
    let running = 0;
    let runningMax = 0;
    const gates: (() => void)[] = [];
    server = new IssuerTcpServer({
      logger: silentLogger,
      inFlightMax: 2,
      handler: async (message: Iso8583Message) => {
        running += 1;
        runningMax = Math.max(runningMax, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running -= 1;
        return responseTo(message, '00');
      },
    });
    const { port } = await server.listen(0);
    const peer = await NetworkPeer.connect(port);
    const answers = Promise.all([1, 2, 3, 4, 5].map((i) => peer.send('0800', echo(i))));
    // Release in reverse order as they arrive, so answers go out of order.
    for (let released = 0; released < 5; ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (const open of gates.splice(0).reverse()) {
        open();
        released += 1;
      }
    }
    const done = await answers;
    expect(done.map((m) => [m.mti, getText(m, 39)])).toEqual(Array.from({ length: 5 }, () => ['0810', '00']));
    expect(done.map((m) => getText(m, 7))).toEqual([
      '0000000001',
      '0000000002',
      '0000000003',
      '0000000004',
      '0000000005',
    ]);
    expect(runningMax).toBe(2);
    peer.close();
  });

  it('drops an undecodable message and keeps the connection; answers 96 when the handler fails', async () => {
    server = new IssuerTcpServer({
      logger: silentLogger,
      inFlightMax: 8,
      handler: async (message) => {
        if (getText(message, 70) === '002') throw new Error('storage down');
        return responseTo(message, '00');
      },
    });
    const { port } = await server.listen(0);
    const raw = connect({ port, host: '127.0.0.1' });
    await new Promise((resolve) => raw.once('connect', resolve));
    raw.write(encodeFrame(Uint8Array.from([0x41, 0x42, 0x43, 0x44, 0x45]), tcpFraming));
    raw.destroy();
    const peer = await NetworkPeer.connect(port);
    expect(getText(await peer.send('0800', echo(1)), 39)).toBe('00');
    expect(getText(await peer.send('0800', new Map([[70, '002']])), 39)).toBe('96');
    peer.close();
  });
});

describe('GET /alipayplus/v1/authorizations/:traceId', () => {
  it('answers the amounts as strings, 404 for an unknown trace id', async () => {
    const app = Fastify();
    registerIssuerRoutes(app, {
      getAuthorization: async (traceId) =>
        traceId !== 'T1'
          ? undefined
          : {
              networkTraceId: 'T1',
              type: 'FINAL',
              state: 'OPEN',
              currency: 'HKD',
              authorizedMinor: 1000n,
              reversedMinor: 400n,
              clearedMinor: 0n,
              refundedMinor: 0n,
              createdAtMs: 0,
              expiresAtMs: 0,
              payments: [],
              tokenUniqueReference: 'TUR1',
              customerId: 'C1',
              mppId: 'MPP',
              merchantId: 'M1',
              merchantName: undefined,
              mcc: undefined,
              terminalId: undefined,
              acquirerId: undefined,
              faults: [],
              adviceReceived: false,
              details: {},
              responseCode: '00',
              approvalCode: undefined,
              updatedAtMs: 0,
              quote: undefined,
            },
    });
    const found = await app.inject({ method: 'GET', url: '/alipayplus/v1/authorizations/T1' });
    expect(found.statusCode).toBe(200);
    expect(found.json()).toMatchObject({
      authorizedMinor: '1000',
      reversedMinor: '400',
      clearedMinor: '0',
      state: 'OPEN',
    });
    expect((await app.inject({ method: 'GET', url: '/alipayplus/v1/authorizations/T2' })).statusCode).toBe(
      404,
    );
    await app.close();
  });
});
