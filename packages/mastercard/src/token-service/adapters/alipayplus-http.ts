// IssuerApproval and TokenUpdateNotifier over signed HTTP to the Alipay+ counterpart. The signing and
// verification are @tapkit/protocol's; this file only adds the two (tapkit) paths of issuer-api.ts,
// which protocol's SignedClient (bound to its own API catalog) does not know. Same promise as that
// client: an answer counts only when it is HTTP 200, signed by Alipay+ over the exact bytes, fresh and
// well-formed; anything else is `unknown`.
import type { KeyObject } from 'node:crypto';
import {
  type Clock,
  contentToSign,
  FRESHNESS_MS_DEFAULT,
  formatRequestTime,
  formatSignatureHeader,
} from '@tapkit/protocol';
import {
  CONTENT_TYPE_JSON,
  parseJsonObject,
  readCapped,
  type SigningKey,
  signContentAsync,
  verifySignedMessage,
} from '@tapkit/protocol/node';
import { Pool } from 'undici';
import type { z } from 'zod';
import {
  ISSUER_API_PATHS,
  ISSUER_API_TIMEOUTS_MS,
  ISSUER_RESPONSE_SCHEMAS,
  type IssuerApiName,
  type NotifyTokenUpdatedRequest,
} from '../issuer-api.ts';
import type {
  AuthorizeServiceInput,
  AuthorizeServiceOutcome,
  IssuerApproval,
  TokenUpdate,
  TokenUpdateNotifier,
} from '../ports.ts';

/** No answer from these APIs comes near 64 KiB; a bigger one is refused rather than buffered. */
const RESPONSE_BYTES_MAX = 64 * 1024;
const CONNECT_TIMEOUT_MS = 3_000;
const CONNECTIONS_MAX = 8;

export interface AlipayPlusHttpOptions {
  /** Alipay+ origin, optionally with a path prefix. */
  baseUrl: string;
  /** The Client-Id the Mastercard counterpart signs as. */
  clientId: string;
  signingKey: SigningKey;
  /** Alipay+'s response-signing keys by keyVersion. */
  peerVerifyKeys: ReadonlyMap<string, KeyObject>;
  clock: Clock;
  timeoutsMs?: Partial<Record<IssuerApiName, number>>;
}

type Outcome<T> = { kind: 'answered'; response: T } | { kind: 'unknown'; detail: string };

export class AlipayPlusTokenClient implements IssuerApproval, TokenUpdateNotifier {
  private readonly pool: Pool;
  private readonly pathPrefix: string;

  constructor(private readonly options: AlipayPlusHttpOptions) {
    const url = new URL(options.baseUrl);
    this.pathPrefix = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: CONNECTIONS_MAX,
      connect: { timeout: CONNECT_TIMEOUT_MS },
    });
  }

  async authorizeService(input: AuthorizeServiceInput): Promise<AuthorizeServiceOutcome> {
    const outcome = await this.call('authorizeService', input);
    if (outcome.kind === 'unknown') return outcome;
    const { result, decision } = outcome.response;
    if (result.resultStatus === 'U') return { kind: 'unknown', detail: `U ${result.resultCode}` };
    // F: Alipay+ refused to decide in favour (no such user, frozen account): the issuer says no.
    if (result.resultStatus === 'F' || decision === undefined || decision === null) {
      return { kind: 'decided', decision: 'DECLINED' };
    }
    return { kind: 'decided', decision };
  }

  async notifyTokenUpdated(update: TokenUpdate): Promise<{ delivered: boolean; detail?: string }> {
    const body: NotifyTokenUpdatedRequest = {
      tokenUniqueReference: update.tokenUniqueReference,
      customerId: update.customerId,
      tokenState: update.state,
      suspendedBy: [...update.suspendedBy],
      reason: update.reason,
      eventTime: formatRequestTime(update.eventTimeMs),
    };
    const outcome = await this.call('notifyTokenUpdated', body);
    if (outcome.kind === 'unknown') return { delivered: false, detail: outcome.detail };
    const { result } = outcome.response;
    if (result.resultStatus === 'S') return { delivered: true };
    return { delivered: false, detail: `${result.resultStatus} ${result.resultCode}` };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async call<A extends IssuerApiName>(
    api: A,
    body: object,
  ): Promise<Outcome<z.infer<(typeof ISSUER_RESPONSE_SCHEMAS)[A]>>> {
    const path = `${this.pathPrefix}${ISSUER_API_PATHS[api]}`;
    const bytes = Buffer.from(JSON.stringify(body), 'utf8');
    const time = formatRequestTime(this.options.clock.nowMs());
    const { clientId, signingKey } = this.options;
    const signature = await signContentAsync(
      contentToSign({ method: 'POST', path, clientId, time, body: bytes }),
      signingKey.key,
    );
    const timeoutMs = this.options.timeoutsMs?.[api] ?? ISSUER_API_TIMEOUTS_MS[api];
    let answer: { statusCode: number; headers: Record<string, string | string[] | undefined>; raw: Buffer };
    try {
      const response = await this.pool.request({
        method: 'POST',
        path,
        headers: {
          'content-type': CONTENT_TYPE_JSON,
          'client-id': clientId,
          'request-time': time,
          signature: formatSignatureHeader({ keyVersion: signingKey.keyVersion, signature }),
        },
        body: bytes,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      answer = {
        statusCode: response.statusCode,
        headers: response.headers,
        raw: await readCapped(response.body, RESPONSE_BYTES_MAX),
      };
    } catch (error) {
      return { kind: 'unknown', detail: `${api}: ${error instanceof Error ? error.message : String(error)}` };
    }
    return this.judge(api, path, answer);
  }

  private judge<A extends IssuerApiName>(
    api: A,
    path: string,
    answer: { statusCode: number; headers: Record<string, string | string[] | undefined>; raw: Buffer },
  ): Outcome<z.infer<(typeof ISSUER_RESPONSE_SCHEMAS)[A]>> {
    if (answer.statusCode !== 200) return { kind: 'unknown', detail: `${api}: HTTP ${answer.statusCode}` };
    const { clientId, peerVerifyKeys } = this.options;
    const verified = verifySignedMessage(
      {
        method: 'POST',
        path,
        headers: answer.headers,
        rawBody: answer.raw,
        resolvePeer: (id) => (id === clientId ? { clientId, verifyKeys: peerVerifyKeys } : undefined),
        nowMs: this.options.clock.nowMs(),
        freshnessMs: FRESHNESS_MS_DEFAULT,
      },
      'response-time',
    );
    if (!verified.ok)
      return { kind: 'unknown', detail: `${api}: ${verified.error.code} ${verified.error.reason}` };
    const json = parseJsonObject(answer.raw);
    const parsed = json === undefined ? undefined : ISSUER_RESPONSE_SCHEMAS[api].safeParse(json);
    if (parsed === undefined || !parsed.success)
      return { kind: 'unknown', detail: `${api}: malformed answer` };
    return { kind: 'answered', response: parsed.data as z.infer<(typeof ISSUER_RESPONSE_SCHEMAS)[A]> };
  }
}
