// JSON over fetch with errors as values: every call resolves { ok, value } or { ok: false, error }.

export interface HttpError {
  /** The server's stable error code when it sent one, else HTTP_<status> or NETWORK. */
  readonly code: string;
  readonly status: number;
  readonly message: string;
}

export type HttpResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: HttpError };

/** (tapkit) Above the MPP's 10 s upstream expiry for proxied SDK requests. */
export const requestTimeoutMs = 15_000;

export async function requestJson<T>(
  url: string,
  init: { method?: string; body?: unknown; token?: string; timeoutMs?: number } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs ?? requestTimeoutMs),
    });
  } catch (cause) {
    return { ok: false, error: { code: 'NETWORK', status: 0, message: String(cause) } };
  }
  const text = await response.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) return { ok: false, error: errorOf(response.status, parsed, text) };
  return { ok: true, value: parsed as T };
}

function errorOf(status: number, parsed: unknown, text: string): HttpError {
  const body = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const nested = (typeof body.error === 'object' && body.error !== null ? body.error : body) as Record<
    string,
    unknown
  >;
  const code = typeof nested.code === 'string' ? nested.code : `HTTP_${status}`;
  const message = typeof nested.message === 'string' ? nested.message : text.slice(0, 200);
  return { code, status, message };
}
