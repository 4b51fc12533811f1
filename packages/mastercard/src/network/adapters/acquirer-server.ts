import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { Iso8583Connection, type Iso8583Message, RESPONSE_CODE } from '@tapkit/emv';
import { logFieldsOf } from '../deps.ts';
import { responseWithCode } from '../domain/messages.ts';
import type { NetworkLogger } from '../logger.ts';

// The acquirer entry point: a TCP server speaking framed ISO 8583. Requests on one connection are
// handled concurrently and answered as they complete (the acquirer matches answers by STAN/RRN).

export interface MessageHandler {
  handle(request: Iso8583Message): Promise<Iso8583Message | undefined>;
}

export interface AcquirerServerConfig {
  /** Requests in flight on one connection; beyond it the network answers 96 at once. */
  readonly inFlightPerConnectionMax: number;
  readonly connectionCountMax: number;
}

export const defaultAcquirerServerConfig: AcquirerServerConfig = {
  inFlightPerConnectionMax: 256,
  connectionCountMax: 1_024,
};

export class AcquirerServer {
  private readonly server: Server;
  private readonly connections = new Set<Iso8583Connection>();

  constructor(
    private readonly handler: MessageHandler,
    private readonly logger: NetworkLogger,
    private readonly config: AcquirerServerConfig = defaultAcquirerServerConfig,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Listens; port 0 picks a free port. Resolves with the bound address. */
  listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= this.config.connectionCountMax) {
      this.logger.warn({}, 'acquirer connection refused: connectionCountMax reached');
      socket.destroy();
      return;
    }
    let inFlight = 0;
    const connection: Iso8583Connection = new Iso8583Connection(socket, {
      onMessage: (request) => {
        if (inFlight >= this.config.inFlightPerConnectionMax) {
          connection.send(responseWithCode(request, RESPONSE_CODE.SYSTEM_ERROR));
          return;
        }
        inFlight += 1;
        void this.answer(connection, request).finally(() => {
          inFlight -= 1;
        });
      },
      logger: this.logger,
    });
    this.connections.add(connection);
    socket.on('close', () => this.connections.delete(connection));
  }

  private async answer(connection: Iso8583Connection, request: Iso8583Message): Promise<void> {
    try {
      const response = await this.handler.handle(request);
      if (response !== undefined) connection.send(response);
    } catch (error) {
      // A bug or a failed store: the acquirer gets 96 rather than silence, and the log gets the cause.
      this.logger.error({ ...logFieldsOf(request), error: String(error) }, 'request failed');
      if (/^\d{2}[02468]\d$/.test(request.mti))
        connection.send(responseWithCode(request, RESPONSE_CODE.SYSTEM_ERROR));
    }
  }
}
