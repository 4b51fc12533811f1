// The interfaces the Mastercard counterpart needs from the world. Shared by the token service and the
// network: add to this file, do not rewrite what another part relies on.

// ---------------------------------------------------------------------------------------------------
// Network side (src/network, src/clearing, src/expiry)
// ---------------------------------------------------------------------------------------------------

/** MDES token states. */
export type TokenState = 'INACTIVE' | 'ACTIVE' | 'SUSPENDED' | 'DEACTIVATED';

/** What the network needs to know about a token to authorize a tap. */
export interface TokenRecord {
  readonly tokenPan: string;
  readonly state: TokenState;
  readonly tokenUniqueReference: string;
  /** The funding account at the issuer processor: the MPP's customer id (through Alipay+). */
  readonly fundingReference: string;
  /** PAN sequence number, two digits ("00"). */
  readonly psn: string;
  /** Token expiry, YYMM. */
  readonly expiry: string;
}

/**
 * The token service as the network sees it. The ICC master key is asked for separately, only once the
 * token passed the state checks, so a declined tap never touches key material.
 */
export interface TokenDirectory {
  lookupByTokenPan(tokenPan: string): Promise<TokenRecord | undefined>;
  /** The token's ICC master key (EMV option A from IMK-AC, token PAN and PSN), 16 bytes. */
  iccMasterKey(token: TokenRecord): Promise<Uint8Array>;
}

export type AtcRecordOutcome = 'RECORDED' | 'DUPLICATE';

/** ATCs the network has accepted, per token: an ATC seen twice for a token is a replayed cryptogram. */
export interface AtcLedger {
  /** Records `atc` for the token atomically; DUPLICATE when it was already recorded. */
  record(input: { tokenUniqueReference: string; atc: number; seenAtMs: number }): Promise<AtcRecordOutcome>;
  /** ATCs recorded for a token, ascending (for tests and the token service's bookkeeping). */
  list(tokenUniqueReference: string, limit: number): Promise<number[]>;
}
