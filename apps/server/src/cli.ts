import { parseArgs } from 'node:util';
import { parseByteSize } from '@tessera/cluster';

export interface ServeCommand {
  readonly kind: 'serve';
  readonly dataDir: string;
  readonly apiHost: string;
  readonly apiPort: number;
  readonly mysqlHost: string;
  /** 0 picks a free port (printed on start). */
  readonly mysqlPort: number;
  /** `--split-threshold`: slices larger than this many bytes split (default: 512 MiB). */
  readonly splitThresholdBytes?: number;
  /**
   * `--nodes`: how many data nodes the embedded cluster founds on a first start (ids 1..n in
   * zones a, b, c in turn); a data dir that exists keeps its own nodes. Default 3.
   */
  readonly nodes?: number;
}

/** `tessera data-node`: one data node of a static cluster (see dataNodeUsage). */
export interface DataNodeCommand {
  readonly kind: 'data-node';
  readonly nodeId: number;
  readonly zone: string;
  readonly clusterFile: string;
  readonly dataDir: string;
  /**
   * `--join`: the node is not in the cluster file and joins a running cluster; its listeners
   * (host:port each) come from the flags.
   */
  readonly join?: {
    readonly peerAddress: string;
    readonly kvAddress: string;
    readonly controlAddress: string;
  };
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
                         [--join --peer-address <h:p> --kv-address <h:p> --control-address <h:p>]

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
  --split-threshold <size>
                      split a slice once its largest copy holds more (bytes, or with a
                      unit: 64MB, 8GB; default 512MB)
  --nodes <n>         data nodes of the embedded cluster on a first start, in zones a, b, c
                      in turn (3 to 64; default 3; later starts keep the data dir's nodes)
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
       tessera data-node --id <n> --zone <zone> --cluster <file.json> --data-dir <dir> --join
                         --peer-address <host:port> --kv-address <host:port> --control-address <host:port>

Runs one data node as its own process: the Raft groups of the slices placed on it, over an
LMDB environment in <dir>/kv, talking to the other data nodes over TCP (peerAddress) and
serving the KV protocol to clients on a second TCP port (kvAddress). It registers with the
control plane and heartbeats (from controlAddress), fetches the slice map from it, and
creates the replicas it places here when the table is new. Prints a ready line once it
serves; SIGTERM or SIGINT stops it cleanly. Restarted on the same --data-dir, it recovers its
replicas from disk and rejoins their groups. Started on an empty --data-dir after the table
exists (a lost disk), it does not re-create its old replicas: they are listed as skipped.

With --join the node is not in the cluster file (which then only says where the control
plane is): it registers its own listeners with the control plane, whose registry is how the
other nodes and clients find it, and the rebalancer moves slices to it. --join on an empty
--data-dir starts a new node; restart a joined node with the same flags and --data-dir.

Options:
  --id <n>              this node's id in the cluster file (with --join: a new id, not used by
                        any node, member or client of the file)
  --zone <zone>         this node's zone (must match the cluster file)
${clusterFileHelp}
  --data-dir <dir>      where this node keeps its data; <dir>/status.json is rewritten
                        every 250 ms with the node's replicas (role, term, leader, indexes)
  --join                join a running cluster as a node the cluster file does not list;
                        needs the three address options below
  --peer-address <h:p>  with --join: where this node listens for Raft traffic
  --kv-address <h:p>    with --join: where this node serves clients' KV requests
  --control-address <h:p>
                        with --join: where this node's control-plane client takes answers
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
        'split-threshold': { type: 'string' },
        nodes: { type: 'string' },
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
  const splitText = values['split-threshold'];
  const splitThresholdBytes = splitText === undefined ? undefined : parseByteSize(splitText);
  if (splitText !== undefined && splitThresholdBytes === undefined) {
    return {
      kind: 'error',
      message: `--split-threshold must be a size such as 64MB or 8GB, got '${splitText}'`,
    };
  }
  const nodesText = values.nodes;
  const nodes = nodesText === undefined ? undefined : Number(nodesText);
  if (
    nodesText !== undefined &&
    (!/^\d+$/.test(nodesText) || nodes === undefined || nodes < 3 || nodes > 64)
  ) {
    return {
      kind: 'error',
      message: `--nodes must be a whole number from 3 to 64, got '${nodesText}'`,
    };
  }
  return {
    kind: 'serve',
    dataDir: values['data-dir'],
    apiHost: values['api-host'],
    apiPort,
    mysqlHost: values['mysql-host'],
    mysqlPort,
    ...(splitThresholdBytes === undefined ? {} : { splitThresholdBytes }),
    ...(nodes === undefined ? {} : { nodes }),
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
        ...(topic === 'data-node'
          ? {
              zone: { type: 'string' as const },
              join: { type: 'boolean' as const },
              'peer-address': { type: 'string' as const },
              'kv-address': { type: 'string' as const },
              'control-address': { type: 'string' as const },
            }
          : {}),
        cluster: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return { kind: 'error', message: err instanceof Error ? err.message : String(err), topic };
  }
  const values = parsed.values as Partial<Record<'id' | 'zone' | 'cluster' | 'data-dir', string>> &
    Partial<Record<JoinAddressFlag, string>> & {
      help?: boolean;
      join?: boolean;
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
  const command = {
    kind: 'data-node',
    nodeId: id,
    zone: values.zone ?? '',
    clusterFile,
    dataDir,
  } as const;
  const given = joinAddressFlags.filter((flag) => values[flag] !== undefined);
  if (values.join !== true) {
    if (given.length === 0) return command;
    return {
      kind: 'error',
      message: `${given.map((flag) => `--${flag}`).join(', ')} only go with --join`,
      topic,
    };
  }
  const absent = joinAddressFlags.filter((flag) => (values[flag] ?? '').trim() === '');
  if (absent.length > 0) {
    return {
      kind: 'error',
      message: `--join needs ${absent.map((flag) => `--${flag}`).join(', ')}`,
      topic,
    };
  }
  for (const flag of joinAddressFlags) {
    const text = values[flag] ?? '';
    const port = /^[^\s:]+:(\d{1,5})$/.exec(text)?.[1];
    if (port === undefined || parsePort(port) === undefined || Number(port) === 0) {
      return {
        kind: 'error',
        message: `--${flag} must be host:port with a port in 1-65535, got '${text}'`,
        topic,
      };
    }
  }
  const join = {
    peerAddress: values['peer-address'] ?? '',
    kvAddress: values['kv-address'] ?? '',
    controlAddress: values['control-address'] ?? '',
  };
  if (new Set(Object.values(join)).size !== 3) {
    return {
      kind: 'error',
      message: '--peer-address, --kv-address and --control-address must differ',
      topic,
    };
  }
  return { ...command, join };
}

const joinAddressFlags = ['peer-address', 'kv-address', 'control-address'] as const;
type JoinAddressFlag = (typeof joinAddressFlags)[number];

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}
