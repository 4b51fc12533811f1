// The credential wallet as pure rules: which credential a tap spends, how a new batch is merged, how
// many are left. The ATC high-water mark only grows, so no ATC can be spent twice.
import type { StoredCredential, WalletRecord } from '../storage/records.ts';

/** Wallets never hold more than this: five times the largest batch the token service hands out. */
export const WALLET_CREDENTIALS_MAX = 500;
/** Unreported used ATCs kept for the next REPLENISH (the wire's USED_ATCS_MAX); the oldest go first. */
export const USED_ATCS_KEPT_MAX = 1000;

export function emptyWallet(tokenUniqueReference: string): WalletRecord {
  return { tokenUniqueReference, credentials: [], usedAtcs: [], atcHighestUsed: 0 };
}

export function credentialsRemaining(wallet: WalletRecord | undefined): number {
  if (wallet === undefined) return 0;
  return wallet.credentials.filter((credential) => credential.atc > wallet.atcHighestUsed).length;
}

/**
 * The credential the next GENERATE AC spends (the lowest usable ATC) and the wallet with it spent. The
 * caller persists `next` before the cryptogram leaves the SDK.
 */
export function spendNext(
  wallet: WalletRecord,
): { credential: StoredCredential; next: WalletRecord } | undefined {
  let chosen: StoredCredential | undefined;
  for (const credential of wallet.credentials) {
    if (credential.atc > wallet.atcHighestUsed && (chosen === undefined || credential.atc < chosen.atc)) {
      chosen = credential;
    }
  }
  if (chosen === undefined) return undefined;
  const atc = chosen.atc;
  const next: WalletRecord = {
    tokenUniqueReference: wallet.tokenUniqueReference,
    credentials: wallet.credentials.filter((credential) => credential.atc > atc),
    usedAtcs: [...wallet.usedAtcs, atc].slice(-USED_ATCS_KEPT_MAX),
    atcHighestUsed: atc,
  };
  return { credential: chosen, next };
}

/**
 * Merges a batch from PROVISION or REPLENISH: keeps only ATCs above the high-water mark, drops
 * duplicates, and forgets the used ATCs that the request reported (the token service has them now).
 */
export function mergeBatch(
  wallet: WalletRecord,
  batch: readonly StoredCredential[],
  reportedAtcs: readonly number[],
): WalletRecord {
  const byAtc = new Map<number, StoredCredential>();
  for (const credential of [...wallet.credentials, ...batch]) {
    if (credential.atc > wallet.atcHighestUsed) byAtc.set(credential.atc, credential);
  }
  const credentials = [...byAtc.values()].sort((a, b) => a.atc - b.atc).slice(0, WALLET_CREDENTIALS_MAX);
  const reported = new Set(reportedAtcs);
  return {
    ...wallet,
    credentials,
    usedAtcs: wallet.usedAtcs.filter((atc) => !reported.has(atc)),
  };
}
