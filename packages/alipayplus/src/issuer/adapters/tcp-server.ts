import { createServer, type Server, type Socket } from 'node:net';
import { Iso8583Connection, type Iso8583Message, RESPONSE_CODE } from '@tapkit/emv';
import type { IssuerLogger } from '../ports.ts';

// The network's TCP link to Alipay+: ISO 8583:1987 messages, each behind a 2-byte big-endian length.
// Messages on one connection are handled concurrently and answered as they finish (the network matches
// answers by STAN and RRN); above `inFlightMax` unanswered messages the connection stops reading until
// answers have gone out, so one busy peer cannot queue unbounded work.

export type MessageHandler = (message: Iso8583Message) => Promise<Iso8583Message | undefined>;

export interface IssuerTcpServerOptions {
  readonly handler: MessageHandler;
  readonly logger: IssuerLogger;
  readonly inFlightMax: number;
}

export class IssuerTcpServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: IssuerTcpServerOptions) {
    this.server = createServer((socket) => this.accept(socket));
  }

  async listen(port: number, host = '127.0.0.1'): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('issuer: no TCP address');
    return { host: address.address, port: address.port };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    // Messages read but not started yet: at most what one read brings, since reading pauses while any wait.
    const waiting: Iso8583Message[] = [];
    let inFlight = 0;
    const connection: Iso8583Connection = new Iso8583Connection(socket, {
      label: 'issuer link',
      logger: this.options.logger,
      onMessage: (message) => {
        waiting.push(message);
        pump();
      },
    });
    const pump = () => {
      while (inFlight < this.options.inFlightMax && waiting.length > 0) {
        inFlight += 1;
        void this.serve(connection, waiting.shift()!).finally(() => {
          inFlight -= 1;
          pump();
        });
      }
      if (waiting.length > 0) socket.pause();
      else if (socket.isPaused()) socket.resume();
    };
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async serve(connection: Iso8583Connection, message: Iso8583Message): Promise<void> {
    let answer: Iso8583Message | undefined;
    try {
      answer = await this.options.handler(message);
    } catch (error) {
      // A failure inside the processor (storage down) must not look like a decision: answer 96.
      this.options.logger.error({ mti: message.mti, error: String(error) }, 'issuer link: handler failed');
      answer = systemError(message);
    }
    if (answer !== undefined) connection.send(answer);
  }
}

function systemError(request: Iso8583Message): Iso8583Message | undefined {
  const third = Number(request.mti[2]);
  if (third % 2 !== 0) return undefined;
  const fields = new Map(request.fields);
  for (const field of [2, 14, 35, 48, 55]) fields.delete(field);
  fields.set(39, RESPONSE_CODE.SYSTEM_ERROR);
  return { mti: request.mti.slice(0, 2) + String(third + 1) + request.mti.slice(3), fields };
}
