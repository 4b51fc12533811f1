// Lock, unlock, delete and the server-side status refresh. Each goes to the Ant server (SYNC_TOKEN) and
// changes local state only after the server confirmed (docs/architecture.md#lock-and-unlock).
import type { TokenInfo } from '@tapkit/protocol/wire/ant-sdk';
import { isManageable, PAYMENT_STATUS, type PaymentStatus, paymentStatusOf } from '../domain/status.ts';
import { credentialsRemaining } from '../domain/wallet.ts';
import { SdkError } from '../errors.ts';
import type { TokenRecord } from '../storage/records.ts';
import type { SdkContext, Session } from './context.ts';

export class TokenManagement {
  constructor(private readonly context: SdkContext) {}

  async lock(): Promise<PaymentStatus> {
    const { session, token } = this.manageable();
    const info = await this.context.deps.ant.call(
      'LOCK',
      { tokenUniqueReference: token.tokenUniqueReference },
      'INNER_EXCEPTION',
    );
    return this.apply(session, token, info);
  }

  async unlock(): Promise<PaymentStatus> {
    const { session, token } = this.manageable();
    const info = await this.context.deps.ant.call(
      'UNLOCK',
      { tokenUniqueReference: token.tokenUniqueReference },
      'INNER_EXCEPTION',
    );
    return this.apply(session, token, info);
  }

  async deleteToken(): Promise<PaymentStatus> {
    const { session, token } = this.manageable();
    const info = await this.context.deps.ant.call(
      'DELETE',
      { tokenUniqueReference: token.tokenUniqueReference },
      'INNER_EXCEPTION',
    );
    if (info.tokenState !== 'DEACTIVATED')
      throw SdkError.of('INNER_EXCEPTION', 'the server did not delete the token');
    await this.forget(session);
    return PAYMENT_STATUS.NO_CARD;
  }

  /** Reads the token's status from the Ant server and folds it in (issuer suspension, deletion elsewhere). */
  async refresh(): Promise<void> {
    const session = this.context.require();
    const token = session.state.token;
    if (token === undefined || token.activation === 'PREPARED') return;
    const status = await this.context.deps.ant.call('STATUS', {}, 'INNER_EXCEPTION');
    const info = status.tokens.find(
      (candidate) => candidate.tokenUniqueReference === token.tokenUniqueReference,
    );
    if (info === undefined || info.tokenState === 'DEACTIVATED') {
      await this.forget(session);
      return;
    }
    await this.apply(session, token, info);
  }

  private manageable(): { session: Session; token: TokenRecord } {
    const session = this.context.require();
    const token = session.state.token;
    if (token === undefined) throw SdkError.of('TOKEN_NOT_EXIST');
    const status = paymentStatusOf(session.state, credentialsRemaining(session.wallet));
    if (!isManageable(status))
      throw SdkError.of('INVALID_INPUT_PARAMETERS', `not allowed in status ${status}`);
    return { session, token };
  }

  private async apply(session: Session, token: TokenRecord, info: TokenInfo): Promise<PaymentStatus> {
    if (info.tokenState === 'DEACTIVATED') {
      await this.forget(session);
      return PAYMENT_STATUS.NO_CARD;
    }
    const locked = info.tokenState !== 'ACTIVE';
    const confirmed = token.activation === 'NEEDS_CONFIRMATION' ? 'ACTIVE' : token.activation;
    const activation = info.confirmation === 'REQUIRED' ? 'NEEDS_CONFIRMATION' : confirmed;
    await this.context.writes.run(async () => {
      const current = session.state.token;
      if (current?.tokenUniqueReference !== token.tokenUniqueReference) return;
      await this.context.saveState(session, { ...session.state, token: { ...current, locked, activation } });
    });
    return paymentStatusOf(session.state, credentialsRemaining(session.wallet));
  }

  /** Drops the token and its credentials locally (the device registration stays for a new activation). */
  private async forget(session: Session): Promise<void> {
    await this.context.writes.run(async () => {
      const { token: _token, activation: _activation, ...rest } = session.state;
      await this.context.saveState(session, rest);
      await this.context.saveWallet(session, undefined);
    });
  }
}
