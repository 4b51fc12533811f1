// The issuer processor's context: one value with everything a flow needs (the book, the clock, the MPP
// gateway and router, the logger, the configuration, the per-authorization lock, the background tasks and
// the two timer sets). The flows (authorization, reversal, clearing, expiry, inquiry) are functions of it;
// none of them calls back into the processor that composed it.
import { KeyedMutex, ok, type Result } from '@tapkit/protocol';
import type { DbHandle } from '@tapkit/storage';
import { authorizationTraceOf, loadAuthorization } from './adapters/db/book.ts';
import type { IssuerDatabase } from './adapters/db/schema.ts';
import { ISSUER_CONFIG_DEFAULT, type IssuerConfig } from './config.ts';
import type { Plan } from './domain/types.ts';
import type {
  AuthorizationDecidedListener,
  AuthorizationQuote,
  AuthorizationRecord,
  Clock,
  IssuerLogger,
  MppGateway,
  MppRouter,
  QuoteRefusal,
} from './ports.ts';
import { BackgroundTasks } from './runtime.ts';
import { ExpiryTimers, InquiryTimers, type PayCall } from './timers.ts';

export interface IssuerDeps {
  readonly handle: DbHandle<IssuerDatabase>;
  readonly clock: Clock;
  readonly gateway: MppGateway;
  readonly router: MppRouter;
  readonly logger: IssuerLogger;
  readonly config?: Partial<IssuerConfig>;
  /** (tapkit) Told every purchase's decided DE39 (the Ant server's NOTIFY feed, wired in process). */
  readonly onAuthorizationDecided?: AuthorizationDecidedListener;
}

export interface IssuerContext {
  readonly handle: DbHandle<IssuerDatabase>;
  readonly clock: Clock;
  readonly gateway: MppGateway;
  readonly router: MppRouter;
  readonly logger: IssuerLogger;
  readonly config: IssuerConfig;
  /** One flow changes an authorization at a time (keyed by its network trace id). */
  readonly locks: KeyedMutex;
  readonly background: BackgroundTasks;
  /** An OPEN authorization's expiry timer. */
  readonly expiry: ExpiryTimers;
  /** The inquiries of pays whose outcome is unknown. */
  readonly inquiries: InquiryTimers;
  readonly onAuthorizationDecided: AuthorizationDecidedListener | undefined;
  /** Row locks only where the engine has them (PostgreSQL); SQLite serializes writers anyway. */
  readonly lockRows: boolean;
}

/** What happens when a timer is due: the expiry flow and the inquiry flow, given by the composer. */
export interface TimerFlows {
  expire(ctx: IssuerContext, trace: string): Promise<void>;
  inquire(ctx: IssuerContext, trace: string, call: PayCall, plan: Plan, attempt: number): Promise<void>;
}

export function createIssuerContext(deps: IssuerDeps, flows: TimerFlows): IssuerContext {
  const config = { ...ISSUER_CONFIG_DEFAULT, ...deps.config };
  const locks = new KeyedMutex();
  const background = new BackgroundTasks((error) =>
    deps.logger.error({ error: String(error) }, 'issuer background task failed'),
  );
  // The timers start flows of this very context; they fire only after it is built.
  const ctx: IssuerContext = {
    handle: deps.handle,
    clock: deps.clock,
    gateway: deps.gateway,
    router: deps.router,
    logger: deps.logger,
    config,
    locks,
    background,
    expiry: new ExpiryTimers(deps.clock, deps.logger, config.expiryTimersMax, (trace) =>
      background.add(flows.expire(ctx, trace)),
    ),
    inquiries: new InquiryTimers(deps.clock, (trace, call, plan, attempt) =>
      background.add(locks.run(trace, () => flows.inquire(ctx, trace, call, plan, attempt))),
    ),
    onAuthorizationDecided: deps.onAuthorizationDecided,
    lockRows: deps.handle.engine === 'postgres',
  };
  return ctx;
}

/** The FX quote a new authorization of `mppId` in `currency` gets (undefined: same currency). */
export function quoteFor(
  ctx: IssuerContext,
  mppId: string,
  currency: string,
): Result<AuthorizationQuote | undefined, QuoteRefusal> {
  return ctx.gateway.quoteFor?.(mppId, currency) ?? ok(undefined);
}

/**
 * The quote of an authorization the network already approved (advice, clearing alone): without a rate
 * the pay goes out unconverted (the MPP refuses it and the money becomes a receivable), logged.
 */
export function quoteOrNone(
  ctx: IssuerContext,
  mppId: string,
  currency: string,
  networkTraceId: string,
): AuthorizationQuote | undefined {
  const quote = quoteFor(ctx, mppId, currency);
  if (quote.ok) return quote.value;
  ctx.logger.error({ networkTraceId, code: quote.error.code }, quote.error.message);
  return undefined;
}

/** The authorization a network trace id belongs to (its own, or the one an incremental extends). */
export async function findAuthorization(
  ctx: IssuerContext,
  networkTraceId: string,
): Promise<AuthorizationRecord | undefined> {
  const trace = await authorizationTraceOf(ctx.handle.db, networkTraceId);
  return trace === undefined ? undefined : loadAuthorization(ctx.handle.db, trace);
}
