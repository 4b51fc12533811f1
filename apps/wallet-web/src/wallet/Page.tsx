import type { ReactNode } from 'react';

/** One NFC page: its title and content, found by tests through its test id. */
export function Page(props: { testId: string; title: string; children: ReactNode }) {
  return (
    <div data-testid={props.testId} className="stack">
      <h3>{props.title}</h3>
      {props.children}
    </div>
  );
}
