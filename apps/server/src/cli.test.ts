import { describe, expect, it } from 'vitest';
import type { Command } from './cli';
import { controlPlaneUsage, dataNodeUsage, parseCommand, usage } from './cli';

function errorOf(command: Command): string {
  if (command.kind !== 'error')
    throw new Error(`expected an error, got ${JSON.stringify(command)}`);
  return command.message;
}

describe('parseCommand', () => {
  it('defaults to serve with ./data, 127.0.0.1, API port 3001 and MySQL port 4000', () => {
    const expected = {
      kind: 'serve',
      dataDir: './data',
      apiHost: '127.0.0.1',
      apiPort: 3001,
      mysqlHost: '127.0.0.1',
      mysqlPort: 4000,
    };
    expect(parseCommand([])).toEqual(expected);
    expect(parseCommand(['serve'])).toEqual(expected);
  });

  it('takes every option, with a separate value or with =', () => {
    expect(
      parseCommand([
        'serve',
        '--data-dir',
        '/var/lib/tessera',
        '--api-host',
        '0.0.0.0',
        '--api-port',
        '8080',
        '--mysql-host',
        '0.0.0.0',
        '--mysql-port',
        '3306',
      ]),
    ).toEqual({
      kind: 'serve',
      dataDir: '/var/lib/tessera',
      apiHost: '0.0.0.0',
      apiPort: 8080,
      mysqlHost: '0.0.0.0',
      mysqlPort: 3306,
    });
    expect(parseCommand(['--api-port=0', '--data-dir=d', '--mysql-port=0'])).toEqual({
      kind: 'serve',
      dataDir: 'd',
      apiHost: '127.0.0.1',
      apiPort: 0,
      mysqlHost: '127.0.0.1',
      mysqlPort: 0,
    });
    expect(parseCommand(['--api-port', '65535'])).toMatchObject({ kind: 'serve', apiPort: 65535 });
    expect(parseCommand(['--api-port', '00080'])).toMatchObject({ kind: 'serve', apiPort: 80 });
  });

  it.each(['65536', '99999', '123456', 'abc', '', '3001.5', ' 3001', '0x10', '1e3', '+80'])(
    'rejects --api-port %j',
    (port) => {
      expect(errorOf(parseCommand(['--api-port', port]))).toBe(
        `--api-port must be a port number, got '${port}'`,
      );
    },
  );

  it.each(['65536', 'abc', '', '4000.5', '-1'])('rejects --mysql-port %j', (port) => {
    expect(errorOf(parseCommand([`--mysql-port=${port}`]))).toBe(
      `--mysql-port must be a port number, got '${port}'`,
    );
  });

  it('rejects an empty --mysql-host and the API and MySQL on one address', () => {
    expect(errorOf(parseCommand(['--mysql-host', ' ']))).toBe('--mysql-host is empty');
    expect(errorOf(parseCommand(['--api-port', '4000']))).toBe(
      '--mysql-port and --api-port are both 4000',
    );
    expect(parseCommand(['--api-port', '4000', '--mysql-port', '4001'])).toMatchObject({
      kind: 'serve',
      apiPort: 4000,
      mysqlPort: 4001,
    });
  });

  it('rejects a negative or missing --api-port value', () => {
    expect(errorOf(parseCommand(['--api-port', '-1']))).toMatch(/api-port/);
    expect(errorOf(parseCommand(['--api-port']))).toMatch(/api-port/);
  });

  it('takes --split-threshold in bytes or with a unit, and rejects anything else', () => {
    const serve = (argv: string[]) => {
      const command = parseCommand(argv);
      return command.kind === 'serve' ? command.splitThresholdBytes : command.kind;
    };
    expect(serve(['--split-threshold', '64MB'])).toBe(64 * 1024 ** 2);
    expect(serve(['--split-threshold=8GB'])).toBe(8 * 1024 ** 3);
    expect(serve(['--split-threshold', '65536'])).toBe(65_536);
    expect(serve([])).toBeUndefined();
    for (const bad of ['', '0', 'big', '-1MB']) {
      expect(errorOf(parseCommand([`--split-threshold=${bad}`]))).toBe(
        `--split-threshold must be a size such as 64MB or 8GB, got '${bad}'`,
      );
    }
  });

  it('takes --nodes from 3 to 64, and rejects anything else', () => {
    const serve = (argv: string[]) => {
      const command = parseCommand(argv);
      return command.kind === 'serve' ? command.nodes : command.kind;
    };
    expect(serve(['--nodes', '6'])).toBe(6);
    expect(serve(['--nodes=64'])).toBe(64);
    expect(serve([])).toBeUndefined();
    for (const bad of ['', '2', '65', '4.5', 'six', '-3']) {
      expect(errorOf(parseCommand([`--nodes=${bad}`]))).toBe(
        `--nodes must be a whole number from 3 to 64, got '${bad}'`,
      );
    }
  });

  it('rejects an empty --data-dir', () => {
    expect(errorOf(parseCommand(['--data-dir', '']))).toBe('--data-dir is empty');
    expect(errorOf(parseCommand(['--data-dir', '   ']))).toBe('--data-dir is empty');
  });

  it('rejects an unknown command or extra positionals', () => {
    expect(errorOf(parseCommand(['start']))).toBe("unknown command 'start'");
    expect(errorOf(parseCommand(['serve', 'now']))).toBe("unknown command 'serve now'");
    expect(errorOf(parseCommand(['help']))).toBe("unknown command 'help'");
  });

  it('rejects an unknown option', () => {
    expect(errorOf(parseCommand(['--port', '80']))).toMatch(/--port/);
    expect(errorOf(parseCommand(['-x']))).toMatch(/-x/);
  });

  it('answers --help and --version, in long and short form', () => {
    expect(parseCommand(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommand(['-h'])).toEqual({ kind: 'help' });
    expect(parseCommand(['--version'])).toEqual({ kind: 'version' });
    expect(parseCommand(['-v'])).toEqual({ kind: 'version' });
  });

  it('lets --help win over other problems and over --version', () => {
    expect(parseCommand(['bogus', '--help'])).toEqual({ kind: 'help' });
    expect(parseCommand(['--api-port', 'nope', '-h'])).toEqual({ kind: 'help' });
    expect(parseCommand(['-v', '-h'])).toEqual({ kind: 'help' });
  });

  it('does not modify the argument array', () => {
    const argv = Object.freeze(['serve', '--api-port', '1234']);
    expect(parseCommand(argv)).toMatchObject({ kind: 'serve', apiPort: 1234 });
    expect(argv).toEqual(['serve', '--api-port', '1234']);
  });
});

describe('parseCommand data-node', () => {
  const full = ['data-node', '--id', '3', '--zone', 'c', '--cluster', 'c.json', '--data-dir', 'd3'];

  it('takes every option, with a separate value or with =', () => {
    const expected = {
      kind: 'data-node',
      nodeId: 3,
      zone: 'c',
      clusterFile: 'c.json',
      dataDir: 'd3',
    };
    expect(parseCommand(full)).toEqual(expected);
    expect(
      parseCommand(['data-node', '--data-dir=d3', '--cluster=c.json', '--zone=c', '--id=3']),
    ).toEqual(expected);
    expect(parseCommand([...full.slice(0, 2), '4294967295', ...full.slice(3)])).toMatchObject({
      nodeId: 4294967295,
    });
  });

  it('names every missing option', () => {
    expect(errorOf(parseCommand(['data-node']))).toBe(
      'data-node needs --id, --zone, --cluster, --data-dir',
    );
    // Errors of the subcommand point main at the data-node help.
    expect(parseCommand(['data-node'])).toMatchObject({ kind: 'error', topic: 'data-node' });
    expect(errorOf(parseCommand(['data-node', '--id', '1', '--zone', ' ']))).toBe(
      'data-node needs --zone, --cluster, --data-dir',
    );
  });

  it.each(['0', '-1', 'x', '1.5', '4294967296', '12345678901', ''])('rejects --id %j', (id) => {
    const argv = [...full];
    argv[2] = id;
    expect(errorOf(parseCommand(argv))).toMatch(/--id/);
  });

  it('rejects serve options, unknown options and extra positionals', () => {
    expect(errorOf(parseCommand([...full, '--api-port', '1']))).toMatch(/--api-port/);
    expect(errorOf(parseCommand([...full, 'now']))).toBe("unexpected argument 'now'");
  });

  it('answers --help with the data-node help', () => {
    expect(parseCommand(['data-node', '--help'])).toEqual({ kind: 'help', topic: 'data-node' });
    expect(parseCommand(['data-node', '-h', '--id', 'bad'])).toEqual({
      kind: 'help',
      topic: 'data-node',
    });
  });

  it('keeps serve as it was', () => {
    expect(parseCommand(['serve', '--data-dir', 'x'])).toMatchObject({ kind: 'serve' });
    expect(errorOf(parseCommand(['--data-dir', 'x', 'data-node']))).toBe(
      "unknown command 'data-node'",
    );
  });
});

describe('parseCommand control-plane', () => {
  const full = ['control-plane', '--id', '101', '--cluster', 'c.json', '--data-dir', 'cp1'];

  it('parses a complete command', () => {
    expect(parseCommand(full)).toEqual({
      kind: 'control-plane',
      memberId: 101,
      clusterFile: 'c.json',
      dataDir: 'cp1',
    });
  });

  it('names every missing option, refuses --zone and bad ids, and has its own help', () => {
    expect(errorOf(parseCommand(['control-plane']))).toBe(
      'control-plane needs --id, --cluster, --data-dir',
    );
    expect(parseCommand(['control-plane'])).toMatchObject({ topic: 'control-plane' });
    expect(errorOf(parseCommand([...full, '--zone', 'a']))).toMatch(/--zone/);
    const bad = [...full];
    bad[2] = '0';
    expect(errorOf(parseCommand(bad))).toMatch(/--id/);
    expect(parseCommand(['control-plane', '--help'])).toEqual({
      kind: 'help',
      topic: 'control-plane',
    });
  });
});

describe('controlPlaneUsage', () => {
  it('documents every option and what the member holds', () => {
    for (const word of [
      '--id',
      '--cluster',
      '--data-dir',
      '--help',
      'controlPlane',
      'serviceAddress',
      'controlAddress',
      'timestamp oracle',
      'status.json',
      'SIGTERM',
    ]) {
      expect(controlPlaneUsage).toContain(word);
    }
    expect(usage).toContain('control-plane');
  });
});

describe('dataNodeUsage', () => {
  it('documents every option, the cluster file and the control plane it registers with', () => {
    for (const word of [
      '--id',
      '--zone',
      '--cluster',
      '--data-dir',
      '--help',
      'peerAddress',
      'kvAddress',
      'clients',
      'slices',
      'replicas',
      'loggers',
      'status.json',
      'controlAddress',
      'skipped',
      'SIGTERM',
    ]) {
      expect(dataNodeUsage).toContain(word);
    }
    expect(usage).toContain('data-node');
  });
});

describe('usage', () => {
  it('documents every option and the first-start password variables', () => {
    for (const word of [
      '--data-dir',
      '--api-host',
      '--api-port',
      '--help',
      '--version',
      'TESSERA_ADMIN_PASSWORD',
      'initial-admin-password',
      '--mysql-host',
      '--mysql-port',
      'TESSERA_ROOT_PASSWORD',
      'initial-root-password',
    ]) {
      expect(usage).toContain(word);
    }
  });
});

describe('parseCommand data-node --join', () => {
  const base = ['data-node', '--id', '4', '--zone', 'a', '--cluster', 'c.json', '--data-dir', 'd4'];
  const addresses = [
    '--peer-address',
    '127.0.0.1:7004',
    '--kv-address',
    '127.0.0.1:7104',
    '--control-address',
    '127.0.0.1:7504',
  ];

  it('takes the three listeners of a node the cluster file does not list', () => {
    expect(parseCommand([...base, '--join', ...addresses])).toEqual({
      kind: 'data-node',
      nodeId: 4,
      zone: 'a',
      clusterFile: 'c.json',
      dataDir: 'd4',
      join: {
        peerAddress: '127.0.0.1:7004',
        kvAddress: '127.0.0.1:7104',
        controlAddress: '127.0.0.1:7504',
      },
    });
  });

  it('names the missing listeners, refuses bad or repeated ones and listeners without --join', () => {
    expect(errorOf(parseCommand([...base, '--join']))).toBe(
      '--join needs --peer-address, --kv-address, --control-address',
    );
    expect(errorOf(parseCommand([...base, '--join', ...addresses.slice(0, 4)]))).toBe(
      '--join needs --control-address',
    );
    expect(errorOf(parseCommand([...base, ...addresses]))).toBe(
      '--peer-address, --kv-address, --control-address only go with --join',
    );
    for (const bad of ['7004', 'host:', 'host:0', 'host:65536', ':7004', 'a b:1']) {
      const argv = [...base, '--join', ...addresses];
      argv[argv.indexOf('--kv-address') + 1] = bad;
      expect(errorOf(parseCommand(argv))).toBe(
        `--kv-address must be host:port with a port in 1-65535, got '${bad}'`,
      );
    }
    const same = [...base, '--join', ...addresses];
    same[same.indexOf('--kv-address') + 1] = '127.0.0.1:7004';
    expect(errorOf(parseCommand(same))).toBe(
      '--peer-address, --kv-address and --control-address must differ',
    );
    expect(parseCommand([...base, '--join'])).toMatchObject({ kind: 'error', topic: 'data-node' });
  });
});
