// The few logger methods the network uses; pino's Logger fits. Callers pass only masked PANs and never
// key material: every log call site in src/network builds its fields from `logFieldsOf`.

export interface NetworkLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentLogger: NetworkLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
