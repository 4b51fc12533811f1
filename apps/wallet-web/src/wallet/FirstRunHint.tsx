import { type MouseEvent, useState } from 'react';

// The first-run hint: this page is the phone, and the reader is the POS page in another tab. Shown until
// the first payment or until dismissed (kept in localStorage).

const dismissedKey = 'tapkit.hint.pos';
/** The POS window beside the wallet: about a phone's width, to the right of this window. */
const posWindowWidthPx = 480;

/** Opens the POS page in a window to the right of this one; where popups are refused, the link's tab. */
function openBeside(event: MouseEvent<HTMLAnchorElement>): void {
  const left = window.screenX + window.outerWidth;
  const features = `popup,width=${posWindowWidthPx},height=${window.outerHeight},left=${left},top=${window.screenY}`;
  if (window.open(event.currentTarget.href, 'tapkit-pos', features) !== null) event.preventDefault();
}

export function FirstRunHint({ paymentsCount }: { paymentsCount: number }) {
  const [dismissed, setDismissed] = useState(() => localStorage.getItem(dismissedKey) === 'dismissed');
  if (dismissed || paymentsCount > 0) return null;
  const dismiss = () => {
    localStorage.setItem(dismissedKey, 'dismissed');
    setDismissed(true);
  };
  return (
    <aside className="card hint-card" aria-labelledby="first-run-title">
      <h2 id="first-run-title">How to pay</h2>
      <p>
        This page is your phone. The shop’s card reader is the <strong>POS page</strong>: open it beside this
        one, enter an amount and press <strong>Tap</strong>. The two pages talk to each other in this browser,
        like a phone held near a reader.
      </p>
      <div className="row wrap">
        <a className="button" href="./pos.html" target="tapkit-pos" onClick={openBeside}>
          Open the POS page
        </a>
        <button type="button" className="link" onClick={dismiss}>
          Got it
        </button>
      </div>
    </aside>
  );
}
