import { type AddressInfo, createServer, type Server } from 'node:net';

// The parties point at each other by URL, in a cycle (the MPP calls Alipay+, Alipay+ calls the MPP back),
// so every port must be known before the first party starts. Port 0 means "any free port": each one is
// bound on loopback all at once (so they differ), read, and released just before the parties bind them.

export const SYSTEM_HOST = '127.0.0.1';

export const DEFAULT_PORTS = {
  web: 4000,
  mpp: 4100,
  alipayPlus: 4200,
  issuerTcp: 4210,
  tokenService: 4300,
  acquirerTcp: 4310,
} as const;

export type PortName = keyof typeof DEFAULT_PORTS;
export type ResolvedPorts = Record<PortName, number>;

export async function resolvePorts(requested: Partial<Record<PortName, number>>): Promise<ResolvedPorts> {
  const names = Object.keys(DEFAULT_PORTS) as PortName[];
  const held: Server[] = [];
  const out = {} as ResolvedPorts;
  try {
    for (const name of names) {
      const port = requested[name] ?? DEFAULT_PORTS[name];
      if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`port ${name}: ${port}`);
      if (port !== 0) {
        out[name] = port;
        continue;
      }
      const server = createServer();
      held.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, SYSTEM_HOST, resolve);
      });
      out[name] = (server.address() as AddressInfo).port;
    }
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
  return out;
}
