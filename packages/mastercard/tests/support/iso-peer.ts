import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import {
  encodeIso8583Frame,
  getText,
  Iso8583Connection,
  type Iso8583Message,
  responseMti,
} from '@tapkit/emv';

// Test counterparts speaking framed ISO 8583 over real TCP through packages/emv's connection (not the
// network's own adapters). Anything the network sends that does not frame or decode fails the test loudly.

const strict = {
  warn(_fields: Record<string, unknown>, message: string): void {
    if (message !== 'socket error') throw new Error(`test peer: ${message}`);
  },
};

function attach(socket: Socket, onMessage: (message: Iso8583Message) => void): void {
  new Iso8583Connection(socket, { onMessage, logger: strict });
}

function send(socket: Socket, message: Iso8583Message): void {
  socket.write(encodeIso8583Frame(message));
}

/** How the test issuer answers a request: a response, or undefined to stay silent. */
export type IssuerBehaviour = (request: Iso8583Message) => Iso8583Message | undefined;

export function answer(request: Iso8583Message, responseCode: string, approvalCode?: string): Iso8583Message {
  const fields = new Map(request.fields);
  fields.set(39, responseCode);
  if (approvalCode !== undefined) fields.set(38, approvalCode);
  fields.delete(55);
  return { mti: responseMti(request.mti), fields };
}

/** A minimal issuer processor: records every message, answers per `behaviour`, echoes 0800. */
export class TestIssuer {
  readonly received: Iso8583Message[] = [];
  behaviour: IssuerBehaviour = (request) => answer(request, '00', '123456');
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor() {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      attach(socket, (message) => {
        if (message.mti === '0800') {
          send(socket, answer(message, '00'));
          return;
        }
        this.received.push(message);
        const response = this.behaviour(message);
        if (response !== undefined) send(socket, response);
      });
    });
  }

  /** Messages other than network management, of one MTI. */
  receivedOf(mti: string): Iso8583Message[] {
    return this.received.filter((message) => message.mti === mti);
  }

  /** Sends a message on every open connection (answers in an order the test chooses). */
  sendToAll(message: Iso8583Message): void {
    for (const socket of this.sockets) send(socket, message);
  }

  /** Drops every connection, as an issuer restart would. */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** An acquirer host: sends requests, resolves with the response of the same STAN. */
export class TestAcquirer {
  private readonly waiting = new Map<string, (message: Iso8583Message) => void>();
  private constructor(private readonly socket: Socket) {
    attach(socket, (message) => {
      const key = getText(message, 11) ?? '';
      const resolve = this.waiting.get(key);
      this.waiting.delete(key);
      resolve?.(message);
    });
  }

  static async connect(port: number): Promise<TestAcquirer> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new TestAcquirer(socket);
  }

  /** Sends and waits for the answer (no timeout here: the test's own timeout bounds it). */
  request(message: Iso8583Message): Promise<Iso8583Message> {
    const stan = getText(message, 11);
    if (stan === undefined) throw new Error('test acquirer: DE11 is required');
    return new Promise((resolve) => {
      this.waiting.set(stan, resolve);
      send(this.socket, message);
    });
  }

  /** Raw bytes on the connection (garbage tests). */
  writeRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}
