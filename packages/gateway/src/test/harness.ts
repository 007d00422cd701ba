/** Starting a server with the toy handler on a free port, for the tests and the bench. */
import { randomBytes } from 'node:crypto';

import type { GeneratedServerKeys, MysqlServerOptions } from '../index';
import { MysqlServer, generateServerKeys } from '../index';
import { ToyHandler, toyAccounts } from './toy-handler';

let keys: Promise<GeneratedServerKeys> | undefined;

/** One key set per test process (RSA generation takes a while). */
export function testKeys(): Promise<GeneratedServerKeys> {
  keys ??= generateServerKeys();
  return keys;
}

export interface TestServer {
  readonly server: MysqlServer;
  readonly handler: ToyHandler;
  readonly port: number;
  readonly keys: GeneratedServerKeys;
}

export async function startToyServer(
  options: Partial<Omit<MysqlServerOptions, 'handler' | 'random'>> = {},
): Promise<TestServer> {
  const handler = new ToyHandler(await toyAccounts());
  const k = await testKeys();
  const server = new MysqlServer({
    handler,
    random: { bytes: (n) => randomBytes(n) },
    keys: k,
    timers: {
      setTimeout: (callback, ms) => {
        const t = setTimeout(callback, ms);
        return {
          cancel: () => {
            clearTimeout(t);
          },
        };
      },
    },
    ...options,
  });
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  return { server, handler, port, keys: k };
}
