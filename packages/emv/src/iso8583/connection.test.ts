import { describe, expect, it } from 'vitest';
import { encodeIso8583Frame, type FramedSocket, Iso8583Connection } from './connection.ts';
import { encodeFrame } from './framing.ts';
import type { Iso8583Message } from './spec.ts';

class FakeSocket implements FramedSocket {
  destroyed = false;
  writable = true;
  readonly written: Uint8Array[] = [];
  private readonly listeners = new Map<string, (value: never) => void>();

  on(event: 'data' | 'error', listener: (value: never) => void): this {
    this.listeners.set(event, listener);
    return this;
  }
  write(bytes: Uint8Array): boolean {
    this.written.push(bytes);
    return true;
  }
  destroy(): void {
    this.destroyed = true;
    this.writable = false;
  }
  push(bytes: Uint8Array): void {
    (this.listeners.get('data') as (chunk: Uint8Array) => void)(bytes);
  }
}

const echo: Iso8583Message = {
  mti: '0800',
  fields: new Map([
    [7, '1125020000'],
    [11, '000001'],
    [70, '301'],
  ]),
};

function open() {
  const socket = new FakeSocket();
  const received: Iso8583Message[] = [];
  const warnings: string[] = [];
  const connection = new Iso8583Connection(socket, {
    label: 'test link',
    onMessage: (message) => received.push(message),
    logger: { warn: (_fields, message) => warnings.push(message) },
  });
  return { socket, received, warnings, connection };
}

describe('Iso8583Connection', () => {
  it('delivers messages whatever the chunking, and sends framed ones', () => {
    const { socket, received, connection } = open();
    const frame = encodeIso8583Frame(echo);
    const two = new Uint8Array([...frame, ...frame]);
    socket.push(two.subarray(0, 3));
    socket.push(two.subarray(3, frame.length + 5));
    socket.push(two.subarray(frame.length + 5));
    expect(received).toHaveLength(2);
    expect(received[0]).toEqual(echo);
    expect(connection.send(echo)).toBe(true);
    expect(socket.written).toEqual([frame]);
  });

  it('drops an undecodable message and keeps the connection', () => {
    const { socket, received, warnings } = open();
    socket.push(encodeFrame(Uint8Array.from([0x41, 0x42, 0x43])));
    socket.push(encodeIso8583Frame(echo));
    expect(warnings).toEqual(['test link: undecodable message dropped']);
    expect(received).toHaveLength(1);
    expect(socket.destroyed).toBe(false);
  });

  it('closes the connection on a broken frame and reports a closed socket as not sent', () => {
    const { socket, warnings, connection } = open();
    socket.push(Uint8Array.from([0, 0, 1, 2]));
    expect(warnings).toEqual(['test link: framing error, closing']);
    expect(socket.destroyed).toBe(true);
    expect(connection.send(echo)).toBe(false);
  });
});
