import { parseArgs } from 'node:util';

export interface ServeCommand {
  readonly kind: 'serve';
  readonly dataDir: string;
  readonly apiHost: string;
  readonly apiPort: number;
}

export type Command =
  | ServeCommand
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'error'; readonly message: string };

export const usage = `Usage: tessera [serve] [options]

Starts a Tessera process with every role embedded (today: the console API).

Options:
  --data-dir <path>   where this process keeps its data (default ./data)
  --api-host <host>   console API listen address (default 127.0.0.1)
  --api-port <port>   console API port (default 3001)
  -h, --help          show this help
  -v, --version       print the version

Environment (read on first start only):
  TESSERA_ADMIN_PASSWORD  password of the console's admin account; when unset one is
                          generated, printed once and written to <data-dir>/initial-admin-password
`;

export function parseCommand(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'data-dir': { type: 'string', default: './data' },
        'api-host': { type: 'string', default: '127.0.0.1' },
        'api-port': { type: 'string', default: '3001' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };
  const [sub, ...extra] = positionals;
  if ((sub !== undefined && sub !== 'serve') || extra.length > 0) {
    return { kind: 'error', message: `unknown command '${positionals.join(' ')}'` };
  }
  const apiPort = parsePort(values['api-port']);
  if (apiPort === undefined) {
    return {
      kind: 'error',
      message: `--api-port must be a port number, got '${values['api-port']}'`,
    };
  }
  if (values['data-dir'].trim() === '') return { kind: 'error', message: '--data-dir is empty' };
  return { kind: 'serve', dataDir: values['data-dir'], apiHost: values['api-host'], apiPort };
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}
