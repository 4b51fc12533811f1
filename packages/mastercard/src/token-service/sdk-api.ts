// The SDK-facing side of the token service: one proxied `(customerId, type, body)` in, the JSON text of
// the answer out. The body is the SDK's opaque JSON string; it is parsed here with the wire schemas and
// every answer, failures included, is a wire response the SDK can read (../wire/schemas.ts).
import {
  type ApplyRequest,
  firstIssue,
  type GetPkRequest,
  type ProxyRequest,
  type ReplenishRequest,
  SdkRequestSchemas,
  type TokenServiceError,
  tokenServiceError,
} from '@tapkit/protocol/wire/token-service';
import type { TokenService, TsResult } from './service.ts';

/** Serializes an operation's result as the wire answer. */
export function answerText(result: TsResult<unknown>): string {
  return JSON.stringify(result.ok ? { ok: true, value: result.value } : { ok: false, error: result.error });
}

function invalid(message: string): TsResult<never> {
  return { ok: false, error: tokenServiceError('INVALID_REQUEST', message) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function handleSdkRequest(service: TokenService, request: ProxyRequest): Promise<string> {
  const json = parseJson(request.body);
  if (json === undefined) return answerText(invalid('body is not JSON'));
  return answerText(await dispatch(service, request.customerId, request.type, json));
}

async function dispatch(
  service: TokenService,
  customerId: string,
  type: ProxyRequest['type'],
  json: unknown,
): Promise<TsResult<unknown>> {
  switch (type) {
    case 'GET_PK': {
      const parsed = SdkRequestSchemas.GET_PK.safeParse(json);
      return parsed.success ? getPk(service, customerId, parsed.data) : invalid(firstIssue(parsed.error));
    }
    case 'APPLY': {
      const parsed = SdkRequestSchemas.APPLY.safeParse(json);
      return parsed.success ? apply(service, customerId, parsed.data) : invalid(firstIssue(parsed.error));
    }
    case 'REPLENISH': {
      const parsed = SdkRequestSchemas.REPLENISH.safeParse(json);
      return parsed.success ? replenish(service, customerId, parsed.data) : invalid(firstIssue(parsed.error));
    }
  }
}

function getPk(service: TokenService, customerId: string, request: GetPkRequest): Promise<TsResult<unknown>> {
  switch (request.action) {
    case 'GET_PUBLIC_KEY':
      return service.getPublicKey(customerId);
    case 'REGISTER_DEVICE':
      return service.registerDevice(customerId, request);
  }
}

function apply(service: TokenService, customerId: string, request: ApplyRequest): Promise<TsResult<unknown>> {
  switch (request.action) {
    case 'DIGITIZE':
      return service.digitize(customerId, request);
    case 'TASK_STATUS':
      return service.getTaskStatus(customerId, request);
    case 'PROVISION':
      return service.provision(customerId, request);
    case 'NOTIFY_PROVISION_RESULT':
      return service.notifyProvisionResult(customerId, request);
  }
}

function replenish(
  service: TokenService,
  customerId: string,
  request: ReplenishRequest,
): Promise<TsResult<unknown>> {
  return service.replenish(customerId, request);
}

export type { TokenServiceError };
