// SDK configuration with its defaults (docs/protocol/sdk.md#credentials, #remote-configuration). Every
// polling loop and batch has its bound here. Three layers, the later winning: these defaults, what the app passes to createNfcSdk (and init), and the
// remote configuration the Ant server delivers (`nfc_issue_config`, applyRemoteConfig below).
import type { NfcIssueConfig } from '@tapkit/protocol/wire/ant-sdk';
import { SdkError } from './errors.ts';

/** The SDK's configuration, every field with its unit; SDK_CONFIG_DEFAULT holds the defaults. */
export interface SdkConfig {
  /** Auto-replenish when fewer credentials than this are left after a transaction. */
  replenishThreshold: number;
  /** Credentials asked for per REPLENISH. */
  replenishBatchSize: number;
  /** Above this amount (minor units of any currency, tapkit) a tap needs on-device authentication. */
  noCvmLimitMinor: bigint;
  /** The app supports transit taps (MCC 4111, 4131): they are reported as TRANSIT. */
  isSupportTransit: boolean;
  /** With transit supported: a transit tap above the no-CVM limit needs no on-device authentication. */
  isSupportTransitWithoutConsent: boolean;
  /** isPaymentAvailable({ withAmountLimit: true }) also reports the password-free (no-CVM) amount. */
  asyncAmountLimitSwitch: boolean;
  /** WAIT_APPROVAL: how many times the application status is polled, and how far apart. */
  applyTokenTimes: number;
  /** WAIT_APPROVAL: the time between two polls of the application status. */
  applyTokenIntervalMs: number;
  /** NOTIFY_RESULT: how many times the token is polled until the server shows it active. */
  activateTimes: number;
  /** NOTIFY_RESULT: the time between two polls of the token. */
  activateIntervalMs: number;
  /** How long an on-device authentication counts for a tap (docs/protocol/sdk.md#the-permit: 30 s). */
  authValidityMs: number;
  /** (tapkit) How long GENERATE AC waits for the TransactionPermit before declining the tap. */
  permitTimeoutMs: number;
  /**
   * (tapkit) After an ARQC, when (ms after the tap, increasing) the SDK pulls the Ant server's
   * notification feed for the tap's result; it stops at the first that has it. Empty: never polls.
   */
  transactionResultPollAtMs: readonly number[];
}

/** The defaults: threshold 10, batch 20, the documented polling counts and a 30 s authentication window. */
export const SDK_CONFIG_DEFAULT: SdkConfig = {
  replenishThreshold: 10,
  replenishBatchSize: 20,
  noCvmLimitMinor: 5000n,
  isSupportTransit: false,
  // Transit without consent was the only transit behaviour before the remote configuration named it.
  isSupportTransitWithoutConsent: true,
  asyncAmountLimitSwitch: false,
  // 30 polls 2 s apart cover the token service's 20–30 s provisioning delay with room.
  applyTokenTimes: 30,
  applyTokenIntervalMs: 2000,
  activateTimes: 10,
  activateIntervalMs: 1000,
  authValidityMs: 30_000,
  permitTimeoutMs: 2_000,
  // The issuer answers within its pay timeout (8 s) in the worst case; most results are there at 1 s.
  transactionResultPollAtMs: [1_000, 2_000, 4_000, 8_000],
};

/** Upper bounds on configuration, so a typo cannot make a poll loop run for hours. */
const pollTimesMax = 1000;
const batchSizeMax = 100;
/** Polls per tap for its result, and how late the last may be. */
const resultPollsMax = 20;
const resultPollAtMsMax = 120_000;

/**
 * What the app passes: any subset of SdkConfig, and the documented names
 * (docs/protocol/sdk.md#remote-configuration: `applyTokenInterval`, `activateInterval` in milliseconds,
 * `noCvmLimit` in minor units), which the unit-suffixed names win over.
 */
export type SdkConfigInput = Partial<SdkConfig> & {
  /** The documented name of applyTokenIntervalMs. */
  applyTokenInterval?: number;
  /** The documented name of activateIntervalMs. */
  activateInterval?: number;
  /** The documented name of noCvmLimitMinor. */
  noCvmLimit?: bigint;
};

export function resolveConfig(input: SdkConfigInput = {}): SdkConfig {
  const { applyTokenInterval, activateInterval, noCvmLimit, ...named } = input;
  const aliases: Partial<SdkConfig> = {
    ...(applyTokenInterval === undefined ? {} : { applyTokenIntervalMs: applyTokenInterval }),
    ...(activateInterval === undefined ? {} : { activateIntervalMs: activateInterval }),
    ...(noCvmLimit === undefined ? {} : { noCvmLimitMinor: noCvmLimit }),
  };
  const config: SdkConfig = { ...SDK_CONFIG_DEFAULT, ...aliases, ...named };
  const positiveInt = (value: number, max: number) => Number.isInteger(value) && value >= 1 && value <= max;
  const valid =
    Number.isInteger(config.replenishThreshold) &&
    config.replenishThreshold >= 0 &&
    positiveInt(config.replenishBatchSize, batchSizeMax) &&
    positiveInt(config.applyTokenTimes, pollTimesMax) &&
    positiveInt(config.activateTimes, pollTimesMax) &&
    config.applyTokenIntervalMs >= 0 &&
    config.activateIntervalMs >= 0 &&
    config.authValidityMs >= 0 &&
    config.permitTimeoutMs >= 0 &&
    validPollOffsets(config.transactionResultPollAtMs) &&
    typeof config.noCvmLimitMinor === 'bigint' &&
    config.noCvmLimitMinor >= 0n;
  if (!valid) throw SdkError.of('INVALID_INPUT_PARAMETERS', 'config has a value out of range');
  return config;
}

/** Increasing whole milliseconds within bounds, at most resultPollsMax of them. */
function validPollOffsets(offsets: readonly number[]): boolean {
  if (!Array.isArray(offsets) || offsets.length > resultPollsMax) return false;
  return offsets.every(
    (atMs, index) =>
      Number.isInteger(atMs) &&
      atMs >= 0 &&
      atMs <= resultPollAtMsMax &&
      (index === 0 || atMs > offsets[index - 1]!),
  );
}

/** (tapkit) When the remote configuration gives only one of sessionTimes / sessionInterval. */
const SESSION_TIMES_DEFAULT = 4;
const SESSION_INTERVAL_MS_DEFAULT = 2_000;

/**
 * The remote configuration over the local one: every field the server sent wins
 * (docs/protocol/sdk.md#remote-configuration), except `isSupportTransit`, which the server can only take
 * away: a transit tap needs the app's support (init or local config) and the server's. `sessionTimes` polls
 * `sessionInterval` ms apart replace the tap result poll offsets (tapkit meaning), cut at the local bounds.
 */
export function applyRemoteConfig(local: SdkConfig, remote: NfcIssueConfig | undefined): SdkConfig {
  if (remote === undefined) return local;
  const pick = <K extends keyof SdkConfig>(value: SdkConfig[K] | undefined, key: K): SdkConfig[K] =>
    value === undefined ? local[key] : value;
  const sessionGiven = remote.sessionTimes !== undefined || remote.sessionInterval !== undefined;
  const sessionTimes = remote.sessionTimes ?? SESSION_TIMES_DEFAULT;
  const sessionIntervalMs = remote.sessionInterval ?? SESSION_INTERVAL_MS_DEFAULT;
  const pollAtMs = Array.from({ length: Math.min(sessionTimes, resultPollsMax) }, (_, index) =>
    Math.min((index + 1) * sessionIntervalMs, resultPollAtMsMax),
  ).filter((atMs, index, all) => index === 0 || atMs > all[index - 1]!);
  return {
    ...local,
    applyTokenTimes: pick(remote.applyTokenTimes, 'applyTokenTimes'),
    applyTokenIntervalMs: pick(remote.applyTokenInterval, 'applyTokenIntervalMs'),
    activateTimes: pick(remote.activateTimes, 'activateTimes'),
    activateIntervalMs: pick(remote.activateInterval, 'activateIntervalMs'),
    transactionResultPollAtMs: sessionGiven ? pollAtMs : local.transactionResultPollAtMs,
    isSupportTransit: local.isSupportTransit && remote.isSupportTransit !== false,
    isSupportTransitWithoutConsent: pick(
      remote.isSupportTransitWithoutConsent,
      'isSupportTransitWithoutConsent',
    ),
    asyncAmountLimitSwitch: pick(remote.asyncAmountLimitSwitch, 'asyncAmountLimitSwitch'),
  };
}
