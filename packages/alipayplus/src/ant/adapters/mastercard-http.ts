// The Mastercard token service's management API, as the Ant server calls it. The contract (paths,
// bodies, answers) is @tapkit/mastercard's wire/tokens-api.ts, which the token service's routes use too:
//   POST {base}/mdes/v1/tokens/:tur/suspend    { reason }   → 200 { tokenUniqueReference, tokenState, suspendedBy }
//   POST {base}/mdes/v1/tokens/:tur/unsuspend  { reason }   → 200 same
//   POST {base}/mdes/v1/tokens/:tur/delete     {}           → 200 same
// errors: 4xx/5xx { code, message }. Authentication: `Authorization: Bearer <antBearerSecret>`.
// A 4xx with a code is a refusal (nothing changed); anything else (network, timeout, 5xx, an answer
// that is not the documented shape) leaves the outcome unknown, so the caller changes nothing.
import {
  TOKENS_PATH,
  type TokenAction,
  type TokenReasonRequest,
  TokenServiceErrorResponseSchema,
  TokenViewResponseSchema,
  tokenActionPath,
} from '@tapkit/mastercard';
import { readCapped } from '@tapkit/protocol/node';
import type { SuspendReason } from '@tapkit/protocol/wire/ant-sdk';
import { Pool } from 'undici';
import type { MastercardOutcome, MastercardTokenManagement } from '../ports.ts';

/** (tapkit) The path below the token service's base URL. */
export const MASTERCARD_TOKENS_PATH = TOKENS_PATH;
/** (tapkit) The SDK waits on this call through the 12 s sdkProxy client timeout; stay well inside it. */
export const MASTERCARD_TIMEOUT_MS_DEFAULT = 5_000;
const RESPONSE_BYTES_MAX = 64 * 1024;
const CONNECTIONS_MAX = 8;

export interface MastercardHttpOptions {
  baseUrl: string;
  bearerSecret: string;
  timeoutMs?: number;
}

export class MastercardTokensHttp implements MastercardTokenManagement {
  private readonly pool: Pool;
  private readonly pathPrefix: string;

  constructor(private readonly options: MastercardHttpOptions) {
    const url = new URL(options.baseUrl);
    this.pathPrefix = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, { connections: CONNECTIONS_MAX, connect: { timeout: 3_000 } });
  }

  suspend(tur: string, reason: SuspendReason): Promise<MastercardOutcome> {
    const body: TokenReasonRequest = { reason };
    return this.post(tur, 'suspend', body);
  }

  unsuspend(tur: string, reason: SuspendReason): Promise<MastercardOutcome> {
    const body: TokenReasonRequest = { reason };
    return this.post(tur, 'unsuspend', body);
  }

  delete(tur: string): Promise<MastercardOutcome> {
    return this.post(tur, 'delete', {});
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async post(tur: string, action: TokenAction, body: object): Promise<MastercardOutcome> {
    const timeoutMs = this.options.timeoutMs ?? MASTERCARD_TIMEOUT_MS_DEFAULT;
    const path = `${this.pathPrefix}${tokenActionPath(tur, action)}`;
    let statusCode: number;
    let raw: Buffer;
    try {
      const response = await this.pool.request({
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.options.bearerSecret}`,
        },
        body: JSON.stringify(body),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      statusCode = response.statusCode;
      raw = await readCapped(response.body, RESPONSE_BYTES_MAX);
    } catch (error) {
      return {
        kind: 'unavailable',
        detail: `${action}: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    return judge(action, statusCode, raw);
  }
}

function judge(action: string, statusCode: number, raw: Buffer): MastercardOutcome {
  const json = parseJson(raw);
  if (statusCode === 200) {
    const parsed = TokenViewResponseSchema.safeParse(json);
    if (!parsed.success) return { kind: 'unavailable', detail: `${action}: malformed answer` };
    return { kind: 'done', token: parsed.data };
  }
  const error = TokenServiceErrorResponseSchema.safeParse(json);
  // 401 means our secret is wrong: an operator problem, not a refusal of this token's change.
  if (statusCode >= 400 && statusCode < 500 && statusCode !== 401 && error.success) {
    return { kind: 'refused', code: error.data.code, message: error.data.message };
  }
  return { kind: 'unavailable', detail: `${action}: HTTP ${statusCode}` };
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}
