// Fault injection (tapkit, like the official sandbox's magic amounts): a paymentAmount.value ending in one
// of these suffixes makes the Alipay+ counterpart misbehave on purpose, so an MPP (and our own tests) can
// exercise the unknown-outcome paths. The same faults can be switched on by configuration.

export const FAULTS = {
  /** The MPP's pay answer is dropped: treated as U. */
  PAY_ANSWER_DROPPED: '9901',
  /** Alipay+ times out waiting: no answer is taken within the pay timeout (8 s). */
  PAY_TIMEOUT: '9902',
  /** The first inquiry also times out. */
  FIRST_INQUIRY_TIMEOUT: '9903',
  /** The network reverses the authorization right after approving it. */
  REVERSAL_AFTER_APPROVAL: '9904',
  /** The acquirer never clears: the authorization runs into expiry. */
  NO_CLEARING: '9905',
} as const;

export type Fault = keyof typeof FAULTS;

export interface FaultConfig {
  /** Whether amount suffixes select faults (default true). */
  readonly byAmountSuffix: boolean;
  /** Faults applied to every authorization, whatever its amount (tests). */
  readonly always: readonly Fault[];
}

export const FAULT_CONFIG_DEFAULT: FaultConfig = { byAmountSuffix: true, always: [] };

const bySuffix = new Map<string, Fault>(
  Object.entries(FAULTS).map(([fault, suffix]) => [suffix, fault as Fault]),
);

/** The faults an amount (minor units, as on the wire) selects under `config`. */
export function faultsFor(
  amountValue: string,
  config: FaultConfig = FAULT_CONFIG_DEFAULT,
): ReadonlySet<Fault> {
  const faults = new Set<Fault>(config.always);
  const suffixFault = config.byAmountSuffix ? bySuffix.get(amountValue.slice(-4)) : undefined;
  if (suffixFault !== undefined) faults.add(suffixFault);
  return faults;
}

/** (tapkit) The DE48 subelement of a 0110 that tells the network which fault the issuer is playing. */
export const DE48_FAULT_SUBELEMENT = '90';
