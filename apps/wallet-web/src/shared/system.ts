import { type HttpResult, requestJson } from './http.ts';

// The system endpoints served next to these pages by `tapkit up` (packages/cli/src/system.ts), and where
// the wallet app finds the MPP server's app API.

export interface SystemInfo {
  readonly [key: string]: unknown;
}

/** (tapkit) The MPP app API is reached through the web server's same-origin reverse proxy at /mpp. */
export const MPP_APP_BASE_DEFAULT = '/mpp';

let infoPromise: Promise<HttpResult<SystemInfo>> | undefined;

/** The system's info, fetched once per page unless `fresh` (the clock reading changes). */
export function systemInfo(fresh = false): Promise<HttpResult<SystemInfo>> {
  if (fresh || infoPromise === undefined) infoPromise = requestJson<SystemInfo>('/system/v1/info');
  return infoPromise;
}

/** The base URL of the MPP app API: `mppAppBase` from /system/v1/info when the server names one. */
export async function mppAppBase(): Promise<string> {
  const info = await systemInfo();
  if (!info.ok) return MPP_APP_BASE_DEFAULT;
  const base = info.value.mppAppBase;
  return typeof base === 'string' && base.length > 0 ? base.replace(/\/$/, '') : MPP_APP_BASE_DEFAULT;
}

export function closeDay(): Promise<HttpResult<unknown>> {
  return requestJson('/system/v1/clearing/close-day', { method: 'POST', body: {}, timeoutMs: 60_000 });
}

export function advanceClock(ms: number): Promise<HttpResult<unknown>> {
  return requestJson('/system/v1/clock/advance', { method: 'POST', body: { ms }, timeoutMs: 60_000 });
}

export function timeline(query: Record<string, string>): Promise<HttpResult<unknown>> {
  const search = new URLSearchParams(query).toString();
  return requestJson(`/system/v1/timeline?${search}`);
}

/** The operations view's list: the newest exchanges the acquirer saw answered. */
export interface RecentPayment {
  readonly at: string;
  readonly networkTraceId: string | null;
  readonly rrn: string | null;
  readonly mti: string;
  readonly kind: 'PURCHASE' | 'REFUND' | 'REVERSAL';
  readonly amountMinor: string | null;
  readonly currencyNumeric: string | null;
  readonly responseCode: string | null;
}

export async function recentPayments(limit: number): Promise<HttpResult<readonly RecentPayment[]>> {
  const result = await requestJson<{ payments: RecentPayment[] }>(
    `/system/v1/payments/recent?limit=${limit}`,
  );
  return result.ok ? { ok: true, value: result.value.payments } : result;
}
