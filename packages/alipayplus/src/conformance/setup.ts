// How the conformance suite prepares customers and reads balances. The default talks to Tapkit's MPP
// admin API (/admin/v1, see README.md for the contract it assumes); an MPP without it passes its own hook.
import { Pool } from 'undici';

export interface ConformanceSetup {
  /** Creates `customerId` with one wallet in `currency` holding `balanceMinor` (idempotent per id). */
  createCustomer(customerId: string, currency: string, balanceMinor: bigint): Promise<void>;
  /** The wallet balance, or undefined when the customer or wallet does not exist. */
  balanceOf(customerId: string, currency: string): Promise<bigint | undefined>;
  close?(): Promise<void>;
}

const ADMIN_TIMEOUT_MS = 10_000;
const ADMIN_RESPONSE_BYTES_MAX = 256 * 1024;

/** Tapkit's admin API: POST /admin/v1/customers, POST /admin/v1/topups, GET /admin/v1/customers/:id/balances. */
export function adminApiSetup(adminUrl: string, adminToken: string): ConformanceSetup {
  const base = new URL(adminUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, { connections: 4 });
  const call = async (method: 'GET' | 'POST', path: string, body?: object) => {
    const response = await pool.request({
      method,
      path: `${prefix}${path}`,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: ADMIN_TIMEOUT_MS,
      bodyTimeout: ADMIN_TIMEOUT_MS,
    });
    const text = await readCapped(response.body);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, json };
  };
  return {
    async createCustomer(customerId, currency, balanceMinor) {
      const created = await call('POST', '/admin/v1/customers', { customerId, currencies: [currency] });
      if (created.status !== 200 && created.status !== 201) {
        throw new Error(`admin: create customer answered HTTP ${created.status}`);
      }
      if (balanceMinor === 0n) return;
      const topUp = await call('POST', '/admin/v1/topups', {
        topupRequestId: `seed-${customerId}`,
        customerId,
        amount: { currency, value: balanceMinor.toString() },
      });
      if (topUp.status !== 200) throw new Error(`admin: top-up answered HTTP ${topUp.status}`);
    },
    async balanceOf(customerId, currency) {
      const answer = await call('GET', `/admin/v1/customers/${encodeURIComponent(customerId)}/balances`);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw new Error(`admin: balances answered HTTP ${answer.status}`);
      const balances = (answer.json as { balances?: { currency: string; value: string }[] })?.balances ?? [];
      const wallet = balances.find((b) => b.currency === currency);
      return wallet === undefined ? undefined : BigInt(wallet.value);
    },
    close: () => pool.close(),
  };
}

async function readCapped(body: AsyncIterable<Uint8Array> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > ADMIN_RESPONSE_BYTES_MAX) {
      body.destroy();
      throw new Error('admin: the answer is too large');
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}
