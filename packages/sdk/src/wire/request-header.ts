// The `sdkRequestHeader` the SDK builds for every proxied request (docs/protocol/sdk.md#proxy-request-types:
// REQUIRED on sdkProxy; the fields are tapkit's, see SdkRequestHeaderSchema in the Ant wire). It carries
// nothing secret: the device appears only as the SHA-256 of the app's fingerprint, never the fingerprint
// itself.
import type { SdkRequestHeader } from '@tapkit/protocol/wire/ant-sdk';
import type { Clock, DeviceFingerprint, ProxyRequestType, Random } from '../ports.ts';

/** The SDK's own version, sent in every header. */
export const SDK_VERSION = '0.2.0';
const REQUEST_ID_BYTES = 16;

function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

export class RequestHeaders {
  /** The fingerprint does not change on one device: hashed once, kept only after it succeeded. */
  private fingerprintHash: Promise<string> | undefined;

  constructor(
    private readonly deps: {
      readonly clock: Clock;
      readonly random: Random;
      readonly deviceFingerprint: DeviceFingerprint;
      readonly platform: string;
    },
  ) {}

  async build(requestType: ProxyRequestType): Promise<SdkRequestHeader> {
    const header: SdkRequestHeader = {
      sdkVersion: SDK_VERSION,
      platform: this.deps.platform,
      deviceFingerprintHash: await this.hashOfFingerprint(),
      requestId: hex(this.deps.random.bytes(REQUEST_ID_BYTES)),
      requestTime: new Date(this.deps.clock.nowMs()).toISOString(),
      requestType,
    };
    return header;
  }

  private hashOfFingerprint(): Promise<string> {
    if (this.fingerprintHash === undefined) {
      const hashing = (async () => {
        const fingerprint = await this.deps.deviceFingerprint();
        const digest = await globalThis.crypto.subtle.digest(
          'SHA-256',
          new TextEncoder().encode(fingerprint),
        );
        return base64Url(new Uint8Array(digest));
      })();
      this.fingerprintHash = hashing;
      hashing.catch(() => {
        if (this.fingerprintHash === hashing) this.fingerprintHash = undefined;
      });
    }
    return this.fingerprintHash;
  }
}
