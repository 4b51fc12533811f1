import { assert } from '@tapkit/protocol';

// Double-entry rules. Money moves only as transfers: an immutable set of postings (one per account leg)
// that sums to zero, keyed by the client id that makes it idempotent. Customer wallets are never below
// zero; system accounts may be (TOPUP_SOURCE goes negative as money enters the wallet system).
// Only customer wallets keep a running balance (locked and checked against overdraft in the transfer's
// transaction). (tapkit) A system account keeps none: its balance is the sum of its postings, read on
// demand. Every pay of a currency credits the same ALIPAYPLUS_SETTLEMENT account, so a locked running
// balance there serialised all pays on PostgreSQL; system accounts have no rule to check on the hot path.

export type SystemAccountKind = 'TOPUP_SOURCE' | 'ALIPAYPLUS_SETTLEMENT' | 'REFUNDS' | 'SUSPENSE';
export const SYSTEM_ACCOUNT_KINDS: readonly SystemAccountKind[] = [
  'TOPUP_SOURCE',
  'ALIPAYPLUS_SETTLEMENT',
  'REFUNDS',
  'SUSPENSE',
];

/** The largest amount a 64-bit column holds: every stored balance and every posting sum stays within it. */
export const INT64_MAX_MINOR = 2n ** 63n - 1n;

/**
 * (tapkit) Money enters a currency's ledger only from TOPUP_SOURCE (top-ups) and REFUNDS (adjustRefund);
 * every other transfer moves money that is already in. So if the money issued (what those two accounts
 * gave, the negated sum of their postings) never exceeds INT64_MAX_MINOR, no account's balance and no
 * posting sum of the currency can leave the int64 range: wallets, SETTLEMENT and SUSPENSE are each at
 * most what was issued, TOPUP_SOURCE and REFUNDS each at least its negation. Checked before each issue.
 */
export function fitsIssuance(issuedMinor: bigint, amountMinor: bigint): boolean {
  return amountMinor > 0n && issuedMinor >= 0n && issuedMinor <= INT64_MAX_MINOR - amountMinor;
}

/** The accounts money is issued from (see fitsIssuance). */
export const ISSUING_ACCOUNT_KINDS: readonly SystemAccountKind[] = ['TOPUP_SOURCE', 'REFUNDS'];

export type TransferKind = 'PAY' | 'CANCEL' | 'REFUND' | 'ADJUST_REFUND' | 'TOPUP';

/** The idempotency prefix of each transfer kind: the transfer id is prefix + the request's own key. */
const transferIdPrefix: Record<TransferKind, string> = {
  PAY: 'pay:',
  CANCEL: 'cancel:',
  REFUND: 'refund:',
  ADJUST_REFUND: 'adjust:',
  TOPUP: 'topup:',
};

export function transferId(kind: TransferKind, clientId: string): string {
  return transferIdPrefix[kind] + clientId;
}

// Currency comes first so that the customer id (free text) is the tail and ids cannot collide.
export function customerAccountId(customerId: string, currency: string): string {
  return `C:${currency}:${customerId}`;
}

export function systemAccountId(kind: SystemAccountKind, currency: string): string {
  return `S:${kind}:${currency}`;
}

/** Whether the account keeps a running balance (customer wallets) or derives it from postings (system). */
export function keepsRunningBalance(accountId: string): boolean {
  return accountId.startsWith('C:');
}

/** Whether `accountId` is one of the system accounts of `currency`. */
export function isSystemAccountOf(accountId: string, currency: string): boolean {
  return SYSTEM_ACCOUNT_KINDS.some((kind) => systemAccountId(kind, currency) === accountId);
}

export interface Posting {
  readonly accountId: string;
  /** Signed: negative debits the account (money leaves), positive credits it. */
  readonly amountMinor: bigint;
}

export interface TransferPlan {
  readonly id: string;
  readonly kind: TransferKind;
  readonly currency: string;
  /** The amount moved (the sum of the positive legs). */
  readonly amountMinor: bigint;
  readonly customerId: string | null;
  readonly checkedFields: string | null;
  readonly postings: readonly Posting[];
}

export interface MoveInput {
  kind: TransferKind;
  clientId: string;
  currency: string;
  fromAccountId: string;
  toAccountId: string;
  amountMinor: bigint;
  customerId: string | null;
  checkedFields?: string;
}

/** A two-leg transfer moving `amountMinor` from one account to another. */
export function move(input: MoveInput): TransferPlan {
  assert(input.amountMinor > 0n, `ledger.move: amount must be positive, got ${input.amountMinor}`);
  assert(input.fromAccountId !== input.toAccountId, 'ledger.move: from and to are the same account');
  const plan: TransferPlan = {
    id: transferId(input.kind, input.clientId),
    kind: input.kind,
    currency: input.currency,
    amountMinor: input.amountMinor,
    customerId: input.customerId,
    checkedFields: input.checkedFields ?? null,
    postings: [
      { accountId: input.fromAccountId, amountMinor: -input.amountMinor },
      { accountId: input.toAccountId, amountMinor: input.amountMinor },
    ],
  };
  assertBalanced(plan);
  return plan;
}

export function assertBalanced(plan: TransferPlan): void {
  const sum = plan.postings.reduce((total, posting) => total + posting.amountMinor, 0n);
  assert(sum === 0n, `ledger: transfer ${plan.id} postings sum to ${sum}, not zero`);
}

export interface AccountSnapshot {
  readonly id: string;
  readonly kind: string;
  readonly currency: string;
  /** The stored balance column: the running balance of a customer wallet; always 0 for a system account. */
  readonly balanceMinor: bigint;
  readonly postingSumMinor: bigint;
}

export interface InvariantViolation {
  readonly rule:
    | 'CURRENCY_SUM_NOT_ZERO'
    | 'BALANCE_NOT_POSTING_SUM'
    | 'SYSTEM_BALANCE_STORED'
    | 'CUSTOMER_NEGATIVE'
    | 'TRANSFER_NOT_BALANCED';
  readonly subject: string;
  readonly detail: string;
}

export interface InvariantReport {
  readonly ok: boolean;
  /** Per currency, the sum of all postings (must be zero) and the number of accounts. */
  readonly currencies: readonly { currency: string; postingSumMinor: bigint; accountCount: number }[];
  readonly accountCount: number;
  readonly violations: readonly InvariantViolation[];
}

function accountViolations(account: AccountSnapshot): InvariantViolation[] {
  if (account.kind !== 'CUSTOMER') {
    if (account.balanceMinor === 0n) return [];
    const detail = `stored balance ${account.balanceMinor}; a system account's balance is its postings' sum`;
    return [{ rule: 'SYSTEM_BALANCE_STORED', subject: account.id, detail }];
  }
  const violations: InvariantViolation[] = [];
  if (account.balanceMinor !== account.postingSumMinor) {
    violations.push({
      rule: 'BALANCE_NOT_POSTING_SUM',
      subject: account.id,
      detail: `balance ${account.balanceMinor} but postings sum to ${account.postingSumMinor}`,
    });
  }
  if (account.balanceMinor < 0n) {
    violations.push({
      rule: 'CUSTOMER_NEGATIVE',
      subject: account.id,
      detail: `balance ${account.balanceMinor}`,
    });
  }
  return violations;
}

/**
 * Judges the ledger from a snapshot: per currency the postings sum to zero, each customer wallet's balance
 * equals the sum of its postings and is not negative, no system account stores a balance (its balance is
 * its postings' sum by definition), and every transfer's legs sum to zero.
 */
export function evaluateInvariants(
  accounts: readonly AccountSnapshot[],
  unbalancedTransfers: readonly { id: string; sumMinor: bigint }[],
): InvariantReport {
  const violations: InvariantViolation[] = [];
  const byCurrency = new Map<string, { postingSumMinor: bigint; accountCount: number }>();
  for (const account of accounts) {
    const entry = byCurrency.get(account.currency) ?? { postingSumMinor: 0n, accountCount: 0 };
    entry.postingSumMinor += account.postingSumMinor;
    entry.accountCount += 1;
    byCurrency.set(account.currency, entry);
    violations.push(...accountViolations(account));
  }
  for (const [currency, entry] of byCurrency) {
    if (entry.postingSumMinor !== 0n) {
      violations.push({
        rule: 'CURRENCY_SUM_NOT_ZERO',
        subject: currency,
        detail: `sum ${entry.postingSumMinor}`,
      });
    }
  }
  for (const transfer of unbalancedTransfers) {
    violations.push({
      rule: 'TRANSFER_NOT_BALANCED',
      subject: transfer.id,
      detail: `sum ${transfer.sumMinor}`,
    });
  }
  const currencies = [...byCurrency.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, entry]) => ({ currency, ...entry }));
  return { ok: violations.length === 0, currencies, accountCount: accounts.length, violations };
}
