import type { NfcRequestProxy, ProxyRequestType } from '@tapkit/sdk';
import { type HttpResult, requestJson } from '../shared/http.ts';
import { mppAppBase } from '../shared/system.ts';

// The MPP server's app API (packages/mpp-server/src/adapters/http/app-routes.ts) with the user's session.

export interface Session {
  readonly token: string;
  readonly customerId: string;
  readonly username: string;
  readonly expiresAt: string;
}

export interface WireMoney {
  readonly currency: string;
  readonly value: string;
}

export interface Balance extends WireMoney {
  readonly display: string;
}

export interface WalletView {
  readonly customerId: string;
  readonly status: string;
  readonly balances: readonly Balance[];
}

export interface PaymentView {
  readonly paymentRequestId: string;
  readonly paymentId: string | null;
  readonly status: string;
  readonly resultCode: string | null;
  readonly paymentAmount: WireMoney | null;
  readonly payToAmount: WireMoney | null;
  readonly refundedAmount: WireMoney | null;
  readonly paymentTime: string | null;
  readonly createdAt: string;
  readonly customData: string | null;
  readonly merchantName: string | null;
}

const url = async (path: string) => `${await mppAppBase()}${path}`;

export async function login(username: string, password: string): Promise<HttpResult<Session>> {
  const result = await requestJson<Omit<Session, 'username'>>(await url('/app/v1/login'), {
    body: { username, password },
  });
  return result.ok ? { ok: true, value: { ...result.value, username } } : result;
}

export async function logout(session: Session): Promise<void> {
  await requestJson(await url('/app/v1/logout'), { method: 'POST', body: {}, token: session.token });
}

export async function fetchWallet(session: Session): Promise<HttpResult<WalletView>> {
  return requestJson<WalletView>(await url('/app/v1/wallet'), { token: session.token });
}

/** One page of the history: its rows, and the cursor of the next (older) page, null when none. */
export interface PaymentsPage {
  readonly payments: readonly PaymentView[];
  readonly next: string | null;
}

export async function fetchPayments(
  session: Session,
  query: { customData?: string; limit?: number; cursor?: string } = {},
): Promise<HttpResult<PaymentsPage>> {
  const search = new URLSearchParams();
  if (query.customData !== undefined) search.set('customData', query.customData);
  if (query.limit !== undefined) search.set('limit', String(query.limit));
  if (query.cursor !== undefined) search.set('cursor', query.cursor);
  const suffix = search.size === 0 ? '' : `?${search.toString()}`;
  const result = await requestJson<PaymentsPage>(await url(`/app/v1/payments${suffix}`), {
    token: session.token,
  });
  return result.ok
    ? { ok: true, value: { payments: result.value.payments, next: result.value.next ?? null } }
    : result;
}

/**
 * The SDK's NFCRequestProxy: posts (type, body, header) to the MPP with the session, body and header
 * unchanged, and hands back the answer body unchanged; null on any failure, which the SDK reports as
 * 10005 NETWORK_EXCEPTION.
 */
export function createRequestProxy(session: () => Session | undefined): NfcRequestProxy {
  return {
    async sendRequest(type: ProxyRequestType, body: string, header: string) {
      const current = session();
      if (current === undefined) return null;
      const result = await requestJson<{ body: string }>(await url('/app/v1/nfc/proxy'), {
        body: { type, body, header },
        token: current.token,
      });
      return result.ok && typeof result.value.body === 'string' ? result.value.body : null;
    },
  };
}
