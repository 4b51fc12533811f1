// A small load generator over undici for the benchmarks: closed loop (fixed concurrency, as fast as the
// server answers) and open loop (fixed arrival rate, so latency is measured without coordinated omission).
import { Pool } from 'undici';

export interface LoadRequest {
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface LoadResult {
  requests: number;
  errors: number;
  durationMs: number;
  requestsPerSecond: number;
  latencyMsP50: number;
  latencyMsP99: number;
  latencyMsMax: number;
}

export type ResponseCheck = (statusCode: number, body: Buffer) => boolean;

const requestTimeoutMs = 10_000;

function percentile(sortedMs: readonly number[], fraction: number): number {
  if (sortedMs.length === 0) return 0;
  const index = Math.min(sortedMs.length - 1, Math.ceil(fraction * sortedMs.length) - 1);
  return Math.round((sortedMs[Math.max(0, index)] ?? 0) * 100) / 100;
}

function summarize(latenciesMs: number[], errors: number, durationMs: number): LoadResult {
  latenciesMs.sort((a, b) => a - b);
  const requests = latenciesMs.length;
  return {
    requests,
    errors,
    durationMs: Math.round(durationMs),
    requestsPerSecond: Math.round(((requests - errors) * 1000) / durationMs),
    latencyMsP50: percentile(latenciesMs, 0.5),
    latencyMsP99: percentile(latenciesMs, 0.99),
    latencyMsMax: percentile(latenciesMs, 1),
  };
}

/** What the loops send through: one undici Pool, or several taken in turn (see createSpreadPool). */
export interface LoadPool {
  request: Pool['request'];
  close(): Promise<void>;
}

export function createPool(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    headersTimeout: requestTimeoutMs,
    bodyTimeout: requestTimeoutMs,
    connectTimeout: requestTimeoutMs,
  });
}

/**
 * Spreads requests over several servers in strict turn (request i goes to origin i mod N), each origin
 * with its share of the connections, so N instances of a server get the same load each.
 */
export function createSpreadPool(origins: readonly string[], connections: number): LoadPool {
  const share = Math.max(1, Math.ceil(connections / origins.length));
  const pools = origins.map((origin) => createPool(origin, share));
  let next = 0;
  const request = ((options: Parameters<Pool['request']>[0]) => {
    const pool = pools[next++ % pools.length];
    if (pool === undefined) throw new Error('createSpreadPool: no origin');
    return pool.request(options);
  }) as Pool['request'];
  return {
    request,
    close: async () => {
      await Promise.all(pools.map((pool) => pool.close()));
    },
  };
}

async function sendOne(pool: LoadPool, request: LoadRequest, check: ResponseCheck): Promise<boolean> {
  try {
    const response = await pool.request({
      method: 'POST',
      path: request.path,
      headers: request.headers,
      body: request.body,
    });
    const body = Buffer.from(await response.body.arrayBuffer());
    return check(response.statusCode, body);
  } catch {
    return false;
  }
}

/** Sends `requests` in order with `concurrency` requests in flight until all are answered. */
export async function closedLoop(
  pool: LoadPool,
  requests: readonly LoadRequest[],
  concurrency: number,
  check: ResponseCheck,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const request = requests[next++];
      if (request === undefined) return;
      const sentAt = performance.now();
      const good = await sendOne(pool, request, check);
      latenciesMs.push(performance.now() - sentAt);
      if (!good) errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summarize(latenciesMs, errors, performance.now() - started);
}

/** Starts one request every 1000/ratePerSecond ms whatever the answers, measuring from the scheduled start. */
export async function openLoop(
  pool: LoadPool,
  requests: readonly LoadRequest[],
  ratePerSecond: number,
  check: ResponseCheck,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let errors = 0;
  const intervalMs = 1000 / ratePerSecond;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < requests.length; index++) {
    const request = requests[index];
    if (request === undefined) break;
    const scheduledAt = started + index * intervalMs;
    const waitMs = scheduledAt - performance.now();
    if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs));
    inFlight.push(
      sendOne(pool, request, check).then((good) => {
        latenciesMs.push(performance.now() - scheduledAt);
        if (!good) errors++;
      }),
    );
  }
  await Promise.all(inFlight);
  return summarize(latenciesMs, errors, performance.now() - started);
}
