import type { EndApplicationCode, KernelStep } from './outcome.ts';

/** Why the card dialogue cannot go on; becomes an END_APPLICATION outcome. */
export interface KernelFailure {
  readonly code: EndApplicationCode;
  readonly step: KernelStep | undefined;
  readonly detail: string;
  readonly sw?: number;
}

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: KernelFailure };

export const parsed = <T>(value: T): Parsed<T> => ({ ok: true, value });

export const failed = (
  step: KernelStep | undefined,
  code: EndApplicationCode,
  detail: string,
  sw?: number,
): Parsed<never> => ({
  ok: false,
  failure: sw === undefined ? { code, step, detail } : { code, step, detail, sw },
});
