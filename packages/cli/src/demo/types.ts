// The demo's result rows and the little checker that builds them. A row is ok only when every observed
// value equals its expected value; expected values are computed from the flow's own amounts.

export interface FlowResult {
  readonly flow: string;
  readonly expected: string;
  readonly observed: string;
  readonly ok: boolean;
}

interface CheckItem {
  readonly label: string;
  readonly expected: string;
  readonly observed: string;
  /** A note explains an observation; it is shown, never compared. */
  readonly note?: true;
}

/** Collects labelled expected/observed pairs for one flow. */
export class Check {
  private readonly items: CheckItem[] = [];

  constructor(readonly flow: string) {}

  /** Records one comparison; values are compared as text, so bigints and codes print as they are. */
  eq(label: string, expected: unknown, observed: unknown): boolean {
    const item = { label, expected: String(expected), observed: String(observed) };
    this.items.push(item);
    return item.expected === item.observed;
  }

  /** Adds an explanation to the observed column (why a value is what it is); not compared. */
  note(label: string, text: string): void {
    this.items.push({ label, expected: '', observed: text, note: true });
  }

  result(): FlowResult {
    const compared = this.items.filter((i) => i.note !== true);
    const ok = compared.length > 0 && compared.every((i) => i.expected === i.observed);
    return {
      flow: this.flow,
      expected: compared.map((i) => `${i.label}=${i.expected}`).join('; '),
      observed: this.items.map((i) => `${i.label}=${i.observed}`).join('; '),
      ok,
    };
  }

  /** A row that could not run to the end: it fails, and says why. */
  failed(reason: string): FlowResult {
    const done = this.result();
    return {
      flow: this.flow,
      expected: done.expected === '' ? '(flow completes)' : done.expected,
      observed: `${done.observed === '' ? '' : `${done.observed}; `}FAILED: ${reason}`,
      ok: false,
    };
  }
}
