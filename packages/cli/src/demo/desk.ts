import type { SystemHandle } from '../system.ts';
import { postJson } from './phone.ts';

// The acquirer's clearing desk as the demo reaches it: first presentments without any authorization, and
// the end of the business day with the authorizations it presents (for their amount or another), when
// the network writes the clearing file and the issuer processor ingests it. All through the system's
// HTTP endpoints on the web port (/system/v1/...), the same ones the POS page's "close the day" uses.
// Kept in this one file so the paths can follow packages/cli/src/system.ts.

export type DeskResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

export interface SystemDesk {
  presentWithoutAuthorization(input: {
    tokenPan: string;
    amountMinor: bigint;
    currencyNumeric: string;
    merchantId: string;
    terminalId: string;
  }): Promise<DeskResult>;
  /**
   * Closes the business day presenting exactly `presentments` (an explicit list, so the desk never presents
   * the authorizations other rows leave open on purpose), then the issuer ingests the file.
   */
  closeBusinessDay(
    presentments: readonly { networkTraceId: string; amountMinor?: bigint | undefined }[],
  ): Promise<DeskResult>;
}

export const SYSTEM_PRESENTMENTS_PATH = '/system/v1/clearing/presentments';
export const SYSTEM_CLOSE_DAY_PATH = '/system/v1/clearing/close-day';

export function systemDesk(system: SystemHandle): SystemDesk {
  const call = async (path: string, body: unknown): Promise<DeskResult> => {
    try {
      const answer = await postJson(`${system.urls.web}${path}`, body, `Bearer ${system.adminToken}`);
      if (answer.status >= 200 && answer.status < 300) return closeDayProblem(answer.body);
      const code = (answer.body as { code?: unknown; error?: { code?: unknown } }).code;
      return {
        ok: false,
        error: `${path}: HTTP ${answer.status}${code === undefined ? '' : ` ${String(code)}`}`,
      };
    } catch (error) {
      return { ok: false, error: `${path}: ${String(error)}` };
    }
  };
  return {
    presentWithoutAuthorization: (input) =>
      call(SYSTEM_PRESENTMENTS_PATH, {
        tokenPan: input.tokenPan,
        amountMinor: input.amountMinor.toString(),
        currencyNumeric: input.currencyNumeric,
        merchantId: input.merchantId,
        terminalId: input.terminalId,
      }),
    closeBusinessDay: (presentments) =>
      call(SYSTEM_CLOSE_DAY_PATH, {
        presentments: presentments.map((p) => ({
          networkTraceId: p.networkTraceId,
          ...(p.amountMinor === undefined ? {} : { amountMinor: p.amountMinor.toString() }),
        })),
      }),
  };
}

/** A close-day answer that refused a presentment or whose file the issuer did not apply is a failure. */
function closeDayProblem(body: unknown): DeskResult {
  const result = body as {
    refused?: { networkTraceId: string; code: string }[];
    ingest?: { status?: unknown };
  };
  const refused = result.refused ?? [];
  if (refused.length > 0) {
    return { ok: false, error: `presentment refused: ${refused.map((r) => r.code).join(', ')}` };
  }
  const status = result.ingest?.status;
  if (status !== undefined && status !== 'APPLIED')
    return { ok: false, error: `clearing file ${String(status)}` };
  return { ok: true };
}
