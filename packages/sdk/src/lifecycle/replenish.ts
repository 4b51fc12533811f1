// Replenishing credentials: by hand (sdk.replenish) and automatically after a transaction that leaves
// fewer than the threshold. The automatic one fires once per crossing below the threshold: it re-arms
// when the count is back at or above the threshold, or when the attempt failed (the next tap retries).
import { credentialsRemaining, mergeBatch } from '../domain/wallet.ts';
import { SdkError, toSdkError } from '../errors.ts';
import type { Activation } from './activation.ts';
import type { SdkContext, Session } from './context.ts';

export type ReplenishTrigger = 'MANUAL' | 'AUTO';

export class Replenisher {
  private inFlight: { session: Session; promise: Promise<number> } | undefined;
  private autoArmed = true;
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly context: SdkContext,
    private readonly activation: Activation,
  ) {}

  /** Asks for a batch; resolves the credentials left. Concurrent calls share one request. */
  replenish(trigger: ReplenishTrigger = 'MANUAL'): Promise<number> {
    const session = this.context.require();
    if (this.inFlight?.session === session) return this.inFlight.promise;
    const attempt = this.request(session, trigger).finally(() => {
      if (this.inFlight?.promise === attempt) this.inFlight = undefined;
    });
    this.inFlight = { session, promise: attempt };
    return attempt;
  }

  /** Called after every transaction: starts a replenish in the background when the count crossed below. */
  afterTransaction(session: Session): void {
    const { replenishThreshold } = this.context.config;
    const left = credentialsRemaining(session.wallet);
    if (left >= replenishThreshold) {
      this.autoArmed = true;
      return;
    }
    if (!this.autoArmed || this.inFlight?.session === session) return;
    this.autoArmed = false;
    const task = this.replenish('AUTO').then(
      (after) => {
        if (after >= replenishThreshold) this.autoArmed = true;
      },
      () => {
        this.autoArmed = true;
      },
    );
    const tracked = task.finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  /** Resolves when no background replenish is running (tests, app shutdown). */
  async whenIdle(): Promise<void> {
    // Each round awaits what is running now; a replenish never starts another, so two rounds suffice.
    for (let round = 0; round < 4 && this.background.size > 0; round++)
      await Promise.all([...this.background]);
  }

  private async request(session: Session, trigger: ReplenishTrigger): Promise<number> {
    const { deps } = this.context;
    const token = session.state.token;
    const deviceId = session.state.deviceId;
    const wallet = session.wallet;
    try {
      if (token === undefined || deviceId === undefined || wallet === undefined)
        throw SdkError.of('TOKEN_NOT_EXIST');
      if (token.locked) throw SdkError.of('TOKEN_UNAVAILABLE');
      const usedAtcs = [...wallet.usedAtcs];
      const answer = await deps.tokenService.call(
        'REPLENISH',
        {
          deviceId,
          tokenUniqueReference: token.tokenUniqueReference,
          usedAtcs,
          count: this.context.config.replenishBatchSize,
        },
        'INNER_EXCEPTION',
      );
      const batch = await this.activation.openCredentials(token.tokenUniqueReference, answer.credentials);
      const left = await this.context.writes.run(async () => {
        // Merge into the wallet as it is now: taps may have spent credentials while the request ran.
        const current = session.wallet ?? wallet;
        const merged = mergeBatch(current, batch, usedAtcs);
        await this.context.saveWallet(session, merged);
        return credentialsRemaining(merged);
      });
      // countCredential (doc): the credentials the device holds after the replenish.
      this.context.track('EVENT_REPLENISH', {
        countCredential: left,
        trigger,
        result: 'SUCCESS',
        received: batch.length,
      });
      return left;
    } catch (error) {
      const sdkError = toSdkError(error);
      this.context.track('EVENT_REPLENISH', {
        countCredential: credentialsRemaining(session.wallet),
        trigger,
        result: 'FAILURE',
        errorCode: sdkError.code,
      });
      throw sdkError;
    }
  }
}
