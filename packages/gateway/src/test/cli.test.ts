/** The stock command-line client (/usr/bin/mysql, MariaDB 10.11) against the toy handler. */
import { spawn } from 'node:child_process';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestServer } from './harness';
import { startToyServer } from './harness';
import { PASSWORDS } from './toy-handler';

let t: TestServer;
beforeAll(async () => {
  t = await startToyServer();
});
afterAll(async () => {
  await t.server.close();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function mysqlCli(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/mysql', ['-h127.0.0.1', `-P${t.port}`, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

const root = ['-uroot', `-p${PASSWORDS.root}`];

describe('mysql CLI', () => {
  it.each([['--skip-ssl'], ['--ssl']])(
    'SELECT 1 with %s (caching_sha2: RSA or TLS)',
    async (tls) => {
      t.server.sha2Cache.invalidate('root', '127.0.0.1');
      const run = await mysqlCli([...root, tls, '--table', '-e', 'SELECT 1']);
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe('+---+\n| 1 |\n+---+\n| 1 |\n+---+\n');
      expect(run.code).toBe(0);
    },
  );

  it('mysql_native_password through an auth switch', async () => {
    const run = await mysqlCli([
      '-unative',
      `-p${PASSWORDS.native}`,
      '--skip-ssl',
      '-e',
      'SELECT user()',
    ]);
    expect(run.stdout).toContain('native@127.0.0.1');
    expect(run.code).toBe(0);
  });

  it('--batch runs multi-statements and prints every result', async () => {
    const run = await mysqlCli([
      ...root,
      '--batch',
      'test',
      '-e',
      'SELECT 1; SELECT * FROM users; SELECT database()',
    ]);
    expect(run.stdout).toBe('1\n1\nid\tname\n1\tada\n2\tgrace\n3\tNULL\ndatabase()\ntest\n');
    expect(run.code).toBe(0);
  });

  it('prints every column type', async () => {
    const run = await mysqlCli([
      ...root,
      '--batch',
      '--skip-column-names',
      '-e',
      'SELECT * FROM types',
    ]);
    expect(run.stdout).toBe(
      '-128\t255\t-32768\t-8388608\t-2147483648\t-9223372036854775808\t18446744073709551615\t1.5\t' +
        '3.141592653589793\t-12345.6789\théllo wörld\tc\t\\0\u0001\u0002\ufffd\t2024-02-29\t' +
        '1999-12-31 23:59:58.123456\t2038-01-19 03:14:07\t-838:59:59\t12:34:56.500\t2024\t{"a": [1, 2]}\tb\tNULL\n',
    );
  });

  it('an unknown table prints ERROR 1146 (42S02)', async () => {
    const run = await mysqlCli([...root, '-e', 'SELECT * FROM nonexistent']);
    expect(run.stderr).toContain(
      "ERROR 1146 (42S02) at line 1: Table 'test.nonexistent' doesn't exist",
    );
    expect(run.code).toBe(1);
  });

  it('a wrong password prints ERROR 1045 (28000)', async () => {
    const run = await mysqlCli(['-uroot', '-pwrong', '--skip-ssl', '-e', 'SELECT 1']);
    expect(run.stderr).toContain(
      "ERROR 1045 (28000): Access denied for user 'root'@'127.0.0.1' (using password: YES)",
    );
    expect(run.code).toBe(1);
  });

  it('an unknown database at connect prints ERROR 1049, with and without TLS', async () => {
    for (const tls of ['--ssl', '--skip-ssl']) {
      const run = await mysqlCli([...root, tls, 'nodb', '-e', 'SELECT 1']);
      expect(run.stderr).toContain("ERROR 1049 (42000): Unknown database 'nodb'");
    }
  });
});
