import { parseArgs } from 'node:util';

export interface ServeCommand {
  readonly kind: 'serve';
  readonly dataDir: string;
  readonly apiHost: string;
  readonly apiPort: number;
}

/** `tessera data-node`: one data node of a static cluster (see dataNodeUsage). */
export interface DataNodeCommand {
  readonly kind: 'data-node';
  readonly nodeId: number;
  readonly zone: string;
  readonly clusterFile: string;
  readonly dataDir: string;
}

export type Command =
  | ServeCommand
  | DataNodeCommand
  | { readonly kind: 'help'; readonly topic?: 'data-node' }
  | { readonly kind: 'version' }
  | { readonly kind: 'error'; readonly message: string; readonly topic?: 'data-node' };

export const usage = `Usage: tessera [serve] [options]
       tessera data-node --id <n> --zone <zone> --cluster <file.json> --data-dir <dir>

Starts a Tessera process with every role embedded (today: the console API).
\`tessera data-node --help\` describes running one data node of a multi-process cluster.

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

export const dataNodeUsage = `Usage: tessera data-node --id <n> --zone <zone> --cluster <file.json> --data-dir <dir>

Runs one data node as its own process: the Raft groups of the slices placed on it, over an
LMDB environment in <dir>/kv, talking to the other data nodes over TCP (peerAddress) and
serving the KV protocol to clients on a second TCP port (kvAddress). Prints a ready line
once it serves; SIGTERM or SIGINT stops it cleanly. Restarted on the same --data-dir, it
recovers its replicas from disk and rejoins their groups.

The control plane is STATIC for now: membership, addresses and the table layout come from
the cluster file, every process computes the same placement from it, and nothing changes
while the cluster runs (no rebalancing, no membership changes, no node registry).

Options:
  --id <n>              this node's id in the cluster file
  --zone <zone>         this node's zone (must match the cluster file)
  --cluster <file>      the cluster file (JSON):
                          { "nodes": [{ "id": 1, "zone": "a",
                                        "peerAddress": "127.0.0.1:7001",
                                        "kvAddress": "127.0.0.1:7101" }, ...],
                            "clients": [{ "id": 1000, "kvAddress": "127.0.0.1:7200" }],
                            "table": { "slices": 5, "replicas": 2, "loggers": 1 } }
                        clients are the KV clients the node answers (their listen address)
  --data-dir <dir>      where this node keeps its data; <dir>/status.json is rewritten
                        every 250 ms with the node's replicas (role, term, leader, indexes)
  -h, --help            show this help
`;

export function parseCommand(argv: readonly string[]): Command {
  if (argv[0] === 'data-node') return parseDataNodeCommand(argv.slice(1));
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

function parseDataNodeCommand(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        id: { type: 'string' },
        zone: { type: 'string' },
        cluster: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return {
      kind: 'error',
      message: err instanceof Error ? err.message : String(err),
      topic: 'data-node',
    };
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { kind: 'help', topic: 'data-node' };
  if (positionals.length > 0) {
    return {
      kind: 'error',
      message: `unexpected argument '${positionals.join(' ')}'`,
      topic: 'data-node',
    };
  }
  const missing = (['id', 'zone', 'cluster', 'data-dir'] as const).filter(
    (name) => values[name] === undefined || values[name].trim() === '',
  );
  if (missing.length > 0) {
    return {
      kind: 'error',
      message: `data-node needs ${missing.map((name) => `--${name}`).join(', ')}`,
      topic: 'data-node',
    };
  }
  const idText = values.id ?? '';
  const nodeId = /^\d{1,10}$/.test(idText) ? Number(idText) : Number.NaN;
  if (!(nodeId >= 1 && nodeId <= 0xffff_ffff)) {
    return {
      kind: 'error',
      message: `--id must be an integer in [1, 2^32), got '${idText}'`,
      topic: 'data-node',
    };
  }
  return {
    kind: 'data-node',
    nodeId,
    zone: values.zone ?? '',
    clusterFile: values.cluster ?? '',
    dataDir: values['data-dir'] ?? '',
  };
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}
