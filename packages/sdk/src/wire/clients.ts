// The SDK's two counterparts, reached only through the app's NFCRequestProxy: the Mastercard token
// service (@tapkit/protocol/wire/token-service) and the Ant server (@tapkit/protocol/wire/ant-sdk). Each call sends
// the JSON text of a request with the SDK's request header, parses the answer with the counterpart's schema, and turns every failure
// into an SdkError: no answer → 10005, a retryable error → 10005, the rest by meaning.
import {
  type AntOp,
  type AntRequestType,
  type AntResultOf,
  antResponseSchema,
} from '@tapkit/protocol/wire/ant-sdk';
import { type SdkAction, type SdkResultOf, sdkResponseSchema } from '@tapkit/protocol/wire/token-service';
import { SdkError, type SdkResultName } from '../errors.ts';
import type { NfcRequestProxy, ProxyRequestType } from '../ports.ts';
import type { RequestHeaders } from './request-header.ts';

const proxyTypeOfAction: Record<SdkAction, ProxyRequestType> = {
  GET_PUBLIC_KEY: 'GET_PK',
  REGISTER_DEVICE: 'GET_PK',
  DIGITIZE: 'APPLY',
  TASK_STATUS: 'APPLY',
  PROVISION: 'APPLY',
  NOTIFY_PROVISION_RESULT: 'APPLY',
  REPLENISH: 'REPLENISH',
};

const requestTypeOfOp: Record<AntOp, AntRequestType> = {
  STATUS: 'SYNC_TOKEN',
  APPLICATION_STATUS: 'SYNC_TOKEN',
  ACTIVATE: 'SYNC_TOKEN',
  CONFIRM_ACTIVATION: 'SYNC_TOKEN',
  LOCK: 'SYNC_TOKEN',
  UNLOCK: 'SYNC_TOKEN',
  DELETE: 'SYNC_TOKEN',
  NFC_ISSUE_CONFIG: 'SYNC_TOKEN',
  PULL: 'NOTIFY',
  ACTIVATION_RESULT: 'TRANSFER',
};

/** Upstream error codes with a meaning of their own for the app; anything else falls back per call. */
const resultOfUpstreamCode: Record<string, SdkResultName> = {
  ISSUER_DECLINED: 'PROVISION_FAILED',
  ISSUER_ADDITIONAL_AUTHENTICATION_REQUIRED: 'PROVISION_FAILED',
  APPLICATION_DECLINED: 'PROVISION_FAILED',
  TOKEN_SUSPENDED: 'TOKEN_UNAVAILABLE',
  TOKEN_NOT_FOUND: 'TOKEN_NOT_EXIST',
  TOKEN_NOT_EXIST: 'TOKEN_NOT_EXIST',
  TOKEN_DEACTIVATED: 'TOKEN_NOT_EXIST',
  INVALID_REQUEST: 'INVALID_INPUT_PARAMETERS',
};

/** Token service codes that `retryable` in its catalog marks as worth another try. */
const retryableTokenServiceCodes = new Set(['ISSUER_UNAVAILABLE', 'TASK_PENDING', 'BUSY', 'INTERNAL_ERROR']);

/** The proxy and the header builder every request goes through. */
export interface ProxyChannel {
  readonly proxy: NfcRequestProxy;
  readonly headers: RequestHeaders;
}

async function send(channel: ProxyChannel, type: ProxyRequestType, request: object): Promise<unknown> {
  let answer: string | null;
  // Built outside the try: a fingerprint SPI that fails is the app's bug (10004), not the network's.
  const header = JSON.stringify(await channel.headers.build(type));
  try {
    answer = await channel.proxy.sendRequest(type, JSON.stringify(request), header);
  } catch {
    answer = null;
  }
  if (answer === null) throw SdkError.of('NETWORK_EXCEPTION', `${type} got no answer`);
  try {
    return JSON.parse(answer);
  } catch {
    // A body that is not the counterpart's JSON was not produced by it: a proxy or gateway failed.
    throw SdkError.of('NETWORK_EXCEPTION', `${type} answer is not JSON`);
  }
}

function upstreamFailure(
  what: string,
  error: { code: string; message: string },
  retryable: boolean,
  fallback: SdkResultName,
): SdkError {
  const name = retryable ? 'NETWORK_EXCEPTION' : (resultOfUpstreamCode[error.code] ?? fallback);
  return SdkError.of(name, `${what} failed: ${error.code}`, error.code);
}

export class TokenServiceClient {
  constructor(private readonly channel: ProxyChannel) {}

  /** One token service operation; `fallback` is the result code of a failure with no specific meaning. */
  async call<A extends SdkAction>(
    action: A,
    fields: Record<string, unknown>,
    fallback: SdkResultName,
  ): Promise<SdkResultOf<A>> {
    const json = await send(this.channel, proxyTypeOfAction[action], { action, ...fields });
    const parsed = sdkResponseSchema(action).safeParse(json);
    if (!parsed.success)
      throw SdkError.of('NETWORK_EXCEPTION', `${action} answer does not match the wire schema`);
    const answer = parsed.data as
      | { ok: true; value: SdkResultOf<A> }
      | { ok: false; error: { code: string; message: string } };
    if (answer.ok) return answer.value;
    throw upstreamFailure(action, answer.error, retryableTokenServiceCodes.has(answer.error.code), fallback);
  }
}

export class AntClient {
  constructor(private readonly channel: ProxyChannel) {}

  async call<Op extends AntOp>(
    op: Op,
    fields: Record<string, unknown>,
    fallback: SdkResultName,
  ): Promise<AntResultOf<Op>> {
    const json = await send(this.channel, requestTypeOfOp[op], { op, ...fields });
    const parsed = antResponseSchema(op).safeParse(json);
    if (!parsed.success)
      throw SdkError.of('NETWORK_EXCEPTION', `${op} answer does not match the wire schema`);
    const answer = parsed.data as
      | { ok: true; value: AntResultOf<Op> }
      | { ok: false; error: { code: string; message: string; retryable: boolean } };
    if (answer.ok) return answer.value;
    throw upstreamFailure(op, answer.error, answer.error.retryable, fallback);
  }
}
