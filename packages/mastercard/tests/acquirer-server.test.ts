import { connect, type Socket } from 'node:net';
import { encodeFrame, type FieldValue, getText, type Iso8583Message } from '@tapkit/emv';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AcquirerServer } from '../src/network/adapters/acquirer-server.ts';
import { silentLogger } from '../src/network/logger.ts';
import { TestAcquirer } from './support/iso-peer.ts';

// The acquirer entry point under bad input: undecodable messages are dropped without killing the
// connection, a broken frame closes only that connection, a failing handler answers 96.

const echo: Iso8583Message = {
  mti: '0800',
  fields: new Map<number, FieldValue>([
    [11, '000001'],
    [70, '301'],
  ]),
};

let server: AcquirerServer;
let port: number;
let handled: Iso8583Message[];

beforeEach(async () => {
  handled = [];
  server = new AcquirerServer(
    {
      async handle(request) {
        handled.push(request);
        if (getText(request, 11) === '999999') throw new Error('store down');
        const fields = new Map(request.fields);
        fields.set(39, '00');
        return { mti: '0810', fields };
      },
    },
    silentLogger,
  );
  port = (await server.listen(0)).port;
});

afterEach(async () => {
  await server.close();
});

async function rawSocket(): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return socket;
}

describe('AcquirerServer', () => {
  it('drops undecodable frames and keeps answering on the same connection', async () => {
    const acquirer = await TestAcquirer.connect(port);
    const garbage = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 300 }), 50);
    for (const bytes of garbage) acquirer.writeRaw(encodeFrame(bytes));
    const response = await acquirer.request(echo);
    expect(response.mti).toBe('0810');
    expect(getText(response, 39)).toBe('00');
    // Garbage that happened to decode reached the handler; the rest never did. The echo always did.
    expect(handled.at(-1)?.mti).toBe('0800');
    acquirer.close();
  });

  it('closes a connection whose framing is broken, and only that one', async () => {
    const bad = await rawSocket();
    const closed = new Promise<void>((resolve) => bad.once('close', () => resolve()));
    bad.write(Uint8Array.from([0x00, 0x00])); // a zero-length frame
    await closed;
    const acquirer = await TestAcquirer.connect(port);
    expect(getText(await acquirer.request(echo), 39)).toBe('00');
    acquirer.close();
  });

  it('answers 96 when handling a request fails', async () => {
    const acquirer = await TestAcquirer.connect(port);
    const failing = { mti: '0800', fields: new Map<number, FieldValue>([[11, '999999']]) };
    const response = await acquirer.request(failing);
    expect(response.mti).toBe('0810');
    expect(getText(response, 39)).toBe('96');
    acquirer.close();
  });
});
