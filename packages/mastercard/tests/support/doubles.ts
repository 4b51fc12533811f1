// Test doubles for the Alipay+ ports: an issuer whose decision the test sets, a notifier that records.
import type {
  AuthorizeServiceInput,
  AuthorizeServiceOutcome,
  IssuerApproval,
  TokenUpdate,
  TokenUpdateNotifier,
} from '../../src/token-service/ports.ts';

export class FakeIssuer implements IssuerApproval {
  outcome: AuthorizeServiceOutcome = { kind: 'decided', decision: 'APPROVED' };
  readonly calls: AuthorizeServiceInput[] = [];

  async authorizeService(input: AuthorizeServiceInput): Promise<AuthorizeServiceOutcome> {
    this.calls.push(input);
    return this.outcome;
  }
}

export class RecordingNotifier implements TokenUpdateNotifier {
  readonly updates: TokenUpdate[] = [];

  async notifyTokenUpdated(update: TokenUpdate): Promise<{ delivered: boolean }> {
    this.updates.push(update);
    return { delivered: true };
  }
}
