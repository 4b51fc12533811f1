import { decodeIso8583, encodeIso8583, type Iso8583Message, iso8583v1987 } from '@tapkit/emv';
import type { FastifyInstance } from 'fastify';
import type { NetworkConnection, NetworkExchangeResult, TerminalLogger } from '../ports.ts';
import { silentLogger } from '../ports.ts';
import {
  ACQUIRER_GATEWAY_ERRORS,
  ACQUIRER_GATEWAY_PATH,
  ACQUIRER_MESSAGE_BYTES_MAX,
  base64ToBytes,
  bytesToBase64,
} from './http-network.ts';

// The server half of http-network.ts: takes a POS message posted over HTTP (a browser cannot open TCP)
// and forwards it over a NetworkConnection (in `tapkit up`, the framed TCP client of "./node") to the
// network's acquirer entry, answering with the network's response. It forwards bytes the codec accepts
// and nothing else; it never invents an answer, so every outcome the POS sees is the network's.
// The route is registered on the caller's Fastify app; the module itself has no node:* import.

export interface AcquirerGatewayOptions {
  readonly connection: NetworkConnection;
  /** The longest exchange a caller may ask for; longer requests are clamped. */
  readonly timeoutMsMax: number;
  /** Used when the caller names no timeout. */
  readonly timeoutMsDefault: number;
  /** Exchanges forwarded at once; beyond it the gateway answers NETWORK_BUSY without sending. */
  readonly inFlightMax: number;
  /** Told of every request about to be forwarded (so a listener can note when it left). */
  readonly onForward?: (request: Iso8583Message) => void;
  /** Told of every forwarded request and its result (the acquirer's capture log, the timeline). */
  readonly onExchange?: (request: Iso8583Message, result: NetworkExchangeResult) => void;
  readonly logger?: TerminalLogger;
}

export type GatewayReply = { readonly statusCode: number; readonly payload: Record<string, unknown> };

/** Request body bound: the base64 of the largest message plus the JSON around it. */
export const ACQUIRER_GATEWAY_BODY_BYTES_MAX = Math.ceil((ACQUIRER_MESSAGE_BYTES_MAX * 4) / 3) + 256;

export class AcquirerGateway {
  private inFlight = 0;
  private readonly logger: TerminalLogger;

  constructor(private readonly options: AcquirerGatewayOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Handles one posted body; never throws. */
  async handle(body: unknown): Promise<GatewayReply> {
    const parsed = parseBody(body, this.options);
    if (!parsed.ok) return { statusCode: 400, payload: { code: parsed.code } };
    if (this.inFlight >= this.options.inFlightMax) return errorReply('NETWORK_BUSY');
    this.inFlight++;
    this.notify(() => this.options.onForward?.(parsed.message));
    let result: NetworkExchangeResult;
    try {
      result = await this.options.connection.exchange(parsed.message, parsed.timeoutMs);
    } finally {
      this.inFlight--;
    }
    this.notify(() => this.options.onExchange?.(parsed.message, result));
    if (!result.ok) return errorReply(result.error.code);
    try {
      return {
        statusCode: 200,
        payload: { message: bytesToBase64(encodeIso8583(iso8583v1987, result.value)) },
      };
    } catch (cause) {
      // The network's answer came in decoded; failing to encode it again is a defect here. The POS
      // hears "link lost", which makes it reverse: the safe side of an unknown outcome.
      this.logger.error({ error: String(cause) }, 'network answer could not be re-encoded');
      return errorReply('NETWORK_LINK_LOST');
    }
  }

  private notify(listener: () => void): void {
    try {
      listener();
    } catch (cause) {
      this.logger.error({ error: String(cause) }, 'gateway exchange listener failed');
    }
  }
}

function errorReply(code: keyof typeof ACQUIRER_GATEWAY_ERRORS): GatewayReply {
  return { statusCode: ACQUIRER_GATEWAY_ERRORS[code], payload: { code } };
}

type Parsed =
  | { ok: true; message: Iso8583Message; timeoutMs: number }
  | { ok: false; code: 'BODY_INVALID' | 'MESSAGE_INVALID' };

function parseBody(body: unknown, options: AcquirerGatewayOptions): Parsed {
  if (typeof body !== 'object' || body === null) return { ok: false, code: 'BODY_INVALID' };
  const { message, timeoutMs } = body as { message?: unknown; timeoutMs?: unknown };
  if (typeof message !== 'string' || message.length > ACQUIRER_GATEWAY_BODY_BYTES_MAX)
    return { ok: false, code: 'BODY_INVALID' };
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1)
  )
    return { ok: false, code: 'BODY_INVALID' };
  const bytes = base64ToBytes(message);
  if (bytes === undefined || bytes.length > ACQUIRER_MESSAGE_BYTES_MAX)
    return { ok: false, code: 'MESSAGE_INVALID' };
  const decoded = decodeIso8583(iso8583v1987, bytes);
  if (!decoded.ok) return { ok: false, code: 'MESSAGE_INVALID' };
  return {
    ok: true,
    message: decoded.value,
    timeoutMs: Math.min(timeoutMs ?? options.timeoutMsDefault, options.timeoutMsMax),
  };
}

/** Registers POST /acquirer/v1/messages on a Fastify app. */
export function registerAcquirerGateway(app: FastifyInstance, gateway: AcquirerGateway): void {
  app.post(ACQUIRER_GATEWAY_PATH, { bodyLimit: ACQUIRER_GATEWAY_BODY_BYTES_MAX }, async (request, reply) => {
    const answer = await gateway.handle(request.body);
    return reply.code(answer.statusCode).send(answer.payload);
  });
}
