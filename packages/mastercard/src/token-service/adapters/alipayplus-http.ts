// IssuerApproval and TokenUpdateNotifier over signed HTTP to the Alipay+ counterpart: protocol's
// SignedClient on the TOKEN_APIS catalog (authorizeService, notifyTokenUpdated). Same promise as that
// client: an answer counts only when it is HTTP 200, signed by Alipay+ over the exact bytes, fresh and
// well-formed; anything else is `unknown`.
import type { KeyObject } from 'node:crypto';
import { type Clock, formatRequestTime, TOKEN_APIS, type TokenApis } from '@tapkit/protocol';
import { type CallOutcome, SignedClient, type SigningKey } from '@tapkit/protocol/node';
import type { IssuerApiName, NotifyTokenUpdatedRequest } from '../issuer-api.ts';
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

export class AlipayPlusTokenClient implements IssuerApproval, TokenUpdateNotifier {
  private readonly client: SignedClient<TokenApis>;

  constructor(options: AlipayPlusHttpOptions) {
    this.client = new SignedClient({
      ...options,
      catalog: TOKEN_APIS,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      connectionsMax: CONNECTIONS_MAX,
      responseBytesMax: RESPONSE_BYTES_MAX,
    });
  }

  async authorizeService(input: AuthorizeServiceInput): Promise<AuthorizeServiceOutcome> {
    const outcome = await this.call(
      'authorizeService',
      this.client.callApi('authorizeService', { ...input }),
    );
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
    const outcome = await this.call('notifyTokenUpdated', this.client.callApi('notifyTokenUpdated', body));
    if (outcome.kind === 'unknown') return { delivered: false, detail: outcome.detail };
    const { result } = outcome.response;
    if (result.resultStatus === 'S') return { delivered: true };
    return { delivered: false, detail: `${result.resultStatus} ${result.resultCode}` };
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** The signed client's outcome with the API named in the detail of an unknown one. */
  private async call<T>(
    api: IssuerApiName,
    pending: Promise<CallOutcome<T>>,
  ): Promise<{ kind: 'answered'; response: T } | { kind: 'unknown'; detail: string }> {
    const outcome = await pending;
    if (outcome.kind === 'answered') return { kind: 'answered', response: outcome.response };
    return { kind: 'unknown', detail: `${api}: ${outcome.detail}` };
  }
}
