import { parseArgs } from 'node:util';

export interface ServeCommand {
  readonly kind: 'serve';
  readonly dataDir: string;
  readonly apiHost: string;
  readonly apiPort: number;
  readonly mysqlHost: string;
  /** 0 picks a free port (printed on start). */
  readonly mysqlPort: number;
}

/** `tessera data-node`: one data node of a static cluster (see dataNodeUsage). */
export interface DataNodeCommand {
  readonly kind: 'data-node';
  readonly nodeId: number;
  readonly zone: string;
  readonly clusterFile: string;
  readonly dataDir: string;
}

/** `tessera control-plane`: one member of the control plane (see controlPlaneUsage). */
export interface ControlPlaneCommand {
  readonly kind: 'control-plane';
  readonly memberId: number;
  readonly clusterFile: string;
  readonly dataDir: string;
}

export type RoleTopic = 'data-node' | 'control-plane';

export type Command =
  | ServeCommand
  | DataNodeCommand
  | ControlPlaneCommand
  | { readonly kind: 'help'; readonly topic?: RoleTopic }
  | { readonly kind: 'version' }
  | { readonly kind: 'error'; readonly message: string; readonly topic?: RoleTopic };

export const usage = `Usage: tessera [serve] [options]
       tessera control-plane --id <n> --cluster <file.json> --data-dir <dir>
       tessera data-node --id <n> --zone <zone> --cluster <file.json> --data-dir <dir>

Starts a Tessera process with every role embedded: the cluster (control plane and data nodes),
the MySQL listener and the console API.
\`tessera control-plane --help\` and \`tessera data-node --help\` describe running each role of a
multi-process cluster as its own process.

Options:
  --data-dir <path>   where this process keeps its data (default ./data)
  --api-host <host>   console API listen address (default 127.0.0.1)
  --api-port <port>   console API port (default 3001)
  --mysql-host <host> MySQL protocol listen address (default 127.0.0.1)
  --mysql-port <port> MySQL protocol port (default 4000; 0 picks a free one)
  -h, --help          show this help
  -v, --version       print the version

Environment (read on first start only):
  TESSERA_ADMIN_PASSWORD  password of the console's admin account; when unset one is
                          generated, printed once and written to <data-dir>/initial-admin-password
  TESSERA_ROOT_PASSWORD   password of the MySQL account 'root'@'%' (caching_sha2_password); when
                          unset one is generated, printed once and written to
                          <data-dir>/initial-root-password
`;

const clusterFileHelp = `  --cluster <file>      the cluster file (JSON): who the members are and where they listen
                          { "controlPlane": [{ "id": 101, "peerAddress": "127.0.0.1:7301",
                                               "serviceAddress": "127.0.0.1:7401" }, ...],
                            "nodes": [{ "id": 1, "zone": "a", "peerAddress": "127.0.0.1:7001",
                                        "kvAddress": "127.0.0.1:7101",
                                        "controlAddress": "127.0.0.1:7501" }, ...],
                            "clients": [{ "id": 1000, "kvAddress": "127.0.0.1:7200",
                                          "controlAddress": "127.0.0.1:7201" }],
                            "table": { "slices": 5, "replicas": 2, "loggers": 1 } }
                        ids are distinct across members, nodes and clients; clients are the
                        endpoints the nodes and members answer (their listen addresses)`;

export const dataNodeUsage = `Usage: tessera data-node --id <n> --zone <zone> --cluster <file.json> --data-dir <dir>

Runs one data node as its own process: the Raft groups of the slices placed on it, over an
LMDB environment in <dir>/kv, talking to the other data nodes over TCP (peerAddress) and
serving the KV protocol to clients on a second TCP port (kvAddress). It registers with the
control plane and heartbeats (from controlAddress), fetches the slice map from it, and
creates the replicas it places here when the table is new. Prints a ready line once it
serves; SIGTERM or SIGINT stops it cleanly. Restarted on the same --data-dir, it recovers its
replicas from disk and rejoins their groups. Started on an empty --data-dir after the table
exists (a lost disk), it does not re-create its old replicas: they are listed as skipped.

Options:
  --id <n>              this node's id in the cluster file
  --zone <zone>         this node's zone (must match the cluster file)
${clusterFileHelp}
  --data-dir <dir>      where this node keeps its data; <dir>/status.json is rewritten
                        every 250 ms with the node's replicas (role, term, leader, indexes)
  -h, --help            show this help
`;

export const controlPlaneUsage = `Usage: tessera control-plane --id <n> --cluster <file.json> --data-dir <dir>

Runs one member of the control plane as its own process: a Raft group with the other members
(peerAddress) holding the node registry and liveness, the slice map, id counters and the
timestamp oracle's window, over an LMDB environment in <dir>/kv. Its leader answers data
nodes and clients on serviceAddress (timestamps, heartbeats, commands, the state) and, once
every node of the cluster file has registered, creates the file's table. SIGTERM or SIGINT
stops it cleanly; restarted on the same --data-dir it recovers the state and rejoins.

Options:
  --id <n>              this member's id in the cluster file's controlPlane list
${clusterFileHelp}
  --data-dir <dir>      where this member keeps its data; <dir>/status.json is rewritten
                        every 250 ms (role, term, leader, applied index, nodes, tables)
  -h, --help            show this help
`;

export function parseCommand(argv: readonly string[]): Command {
  if (argv[0] === 'data-node') return parseRoleCommand('data-node', argv.slice(1));
  if (argv[0] === 'control-plane') return parseRoleCommand('control-plane', argv.slice(1));
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
        'mysql-host': { type: 'string', default: '127.0.0.1' },
        'mysql-port': { type: 'string', default: '4000' },
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
  const mysqlPort = parsePort(values['mysql-port']);
  if (mysqlPort === undefined) {
    return {
      kind: 'error',
      message: `--mysql-port must be a port number, got '${values['mysql-port']}'`,
    };
  }
  if (values['data-dir'].trim() === '') return { kind: 'error', message: '--data-dir is empty' };
  if (values['api-host'].trim() === '') return { kind: 'error', message: '--api-host is empty' };
  if (values['mysql-host'].trim() === '') {
    return { kind: 'error', message: '--mysql-host is empty' };
  }
  if (mysqlPort !== 0 && mysqlPort === apiPort && values['mysql-host'] === values['api-host']) {
    return { kind: 'error', message: `--mysql-port and --api-port are both ${apiPort}` };
  }
  return {
    kind: 'serve',
    dataDir: values['data-dir'],
    apiHost: values['api-host'],
    apiPort,
    mysqlHost: values['mysql-host'],
    mysqlPort,
  };
}

function parseRoleCommand(topic: RoleTopic, argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        id: { type: 'string' },
        ...(topic === 'data-node' ? { zone: { type: 'string' as const } } : {}),
        cluster: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return { kind: 'error', message: err instanceof Error ? err.message : String(err), topic };
  }
  const values = parsed.values as Partial<
    Record<'id' | 'zone' | 'cluster' | 'data-dir', string>
  > & {
    help?: boolean;
  };
  if (values.help === true) return { kind: 'help', topic };
  if (parsed.positionals.length > 0) {
    return {
      kind: 'error',
      message: `unexpected argument '${parsed.positionals.join(' ')}'`,
      topic,
    };
  }
  const required =
    topic === 'data-node'
      ? (['id', 'zone', 'cluster', 'data-dir'] as const)
      : (['id', 'cluster', 'data-dir'] as const);
  const missing = required.filter(
    (name) => values[name] === undefined || values[name].trim() === '',
  );
  if (missing.length > 0) {
    return {
      kind: 'error',
      message: `${topic} needs ${missing.map((name) => `--${name}`).join(', ')}`,
      topic,
    };
  }
  const idText = values.id ?? '';
  const id = /^\d{1,10}$/.test(idText) ? Number(idText) : Number.NaN;
  if (!(id >= 1 && id <= 0xffff_ffff)) {
    return {
      kind: 'error',
      message: `--id must be an integer in [1, 2^32), got '${idText}'`,
      topic,
    };
  }
  const clusterFile = values.cluster ?? '';
  const dataDir = values['data-dir'] ?? '';
  if (topic === 'control-plane')
    return { kind: 'control-plane', memberId: id, clusterFile, dataDir };
  return { kind: 'data-node', nodeId: id, zone: values.zone ?? '', clusterFile, dataDir };
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}
