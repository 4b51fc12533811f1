import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { type FieldValue, Iso8583Connection, type Iso8583Message, responseMti } from '@tapkit/emv';

// A small framed ISO 8583 TCP server for the tests: it records what it receives and answers with
// what the test's handler returns (undefined: stays silent).

/** A response, undefined to stay silent, or 'DROP' to close the connection without answering. */
export type ServerHandler = (request: Iso8583Message) => Iso8583Message | undefined | 'DROP';

const echoed = [2, 3, 4, 7, 11, 12, 13, 32, 37, 41, 42, 49, 61, 90];

/** A response echoing the request's fields, with DE39 (and more) added. */
export function answer(request: Iso8583Message, extra: Record<number, FieldValue>): Iso8583Message {
  const fields = new Map<number, FieldValue>();
  for (const field of echoed) {
    const value = request.fields.get(field);
    if (value !== undefined) fields.set(field, value);
  }
  for (const [field, value] of Object.entries(extra)) fields.set(Number(field), value);
  return { mti: responseMti(request.mti), fields };
}

export class FramedTestServer {
  readonly received: Iso8583Message[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private waiters: Array<{
    predicate: (m: Iso8583Message) => boolean;
    resolve: (m: Iso8583Message) => void;
  }> = [];
  port = 0;

  constructor(public handler: ServerHandler) {
    this.server = createServer((socket) => this.accept(socket));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  /** Resolves with the first received message (past or future) that matches. */
  waitFor(predicate: (message: Iso8583Message) => boolean): Promise<Iso8583Message> {
    const seen = this.received.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const connection: Iso8583Connection = new Iso8583Connection(socket, {
      logger: strict,
      onMessage: (message) => {
        this.received.push(message);
        const response = this.handler(message);
        if (response === 'DROP') socket.destroy();
        else if (response) connection.send(response);
        const ready = this.waiters.filter((w) => w.predicate(message));
        this.waiters = this.waiters.filter((w) => !w.predicate(message));
        for (const waiter of ready) waiter.resolve(message);
      },
    });
  }
}

/** Anything the terminal sends that does not frame or decode fails the test loudly. */
const strict = {
  warn(_fields: Record<string, unknown>, message: string): void {
    if (message !== 'socket error') throw new Error(`test server: ${message}`);
  },
};
