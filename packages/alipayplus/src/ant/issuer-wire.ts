// The two Alipay+ APIs the Mastercard token service calls (authorizeService, notifyTokenUpdated). Their
// wire contract (paths, request and response schemas) is @tapkit/protocol's schemas/tokens.ts, shared
// with the token service that calls them, so the two sides cannot drift; the Ant server imports it
// from there (app.ts registers the routes, service.ts answers them).
//   POST /aps/api/v1/tokens/authorizeService    → { result, decision: APPROVED | DECLINED }
//   POST /aps/api/v1/tokens/notifyTokenUpdated  → { result } (S: recorded)
import { TOKEN_SUSPEND_REASONS, TOKEN_UPDATE_STATES } from '@tapkit/protocol';
import { SUSPEND_REASONS, TOKEN_STATES } from '@tapkit/protocol/wire/ant-sdk';

// Drift guards (compile time): the SDK-facing lists in ./wire.ts (isomorphic, so it cannot import
// protocol) are exactly the ones notifyTokenUpdated carries.
TOKEN_STATES satisfies readonly (typeof TOKEN_UPDATE_STATES)[number][];
TOKEN_UPDATE_STATES satisfies readonly (typeof TOKEN_STATES)[number][];
SUSPEND_REASONS satisfies readonly (typeof TOKEN_SUSPEND_REASONS)[number][];
TOKEN_SUSPEND_REASONS satisfies readonly (typeof SUSPEND_REASONS)[number][];
