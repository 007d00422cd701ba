/**
 * COM_FIELD_LIST and COM_STMT_RESET through the engine handler, byte by byte (drivers do not
 * send the first; the `mariadb` CLI does on `USE`, see apps/server/test/sessions.test.ts): a
 * real server over an in-memory catalog, the raw protocol client.
 */
import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { allPrivilegesAt, AuthPlugin, ColumnFlag, ColumnType, MysqlServer } from '../index';
import { nativeCredential } from '../protocol/credentials';
import { PayloadBuilder, PayloadReader } from '../protocol/buffer';
import { Command } from '../protocol/constants';
import { RawClient, errorOf } from '../test/raw-client';
import { PASSWORDS } from '../test/toy-handler';
import { EngineHandler } from './engine-handler';
import { MemoryCatalog } from './test/memory-catalog';

let server: MysqlServer;
let port: number;

beforeAll(async () => {
  // RawClient logs in as 'native' with PASSWORDS.native (no auth switch).
  const catalog = new MemoryCatalog([
    {
      user: 'native',
      host: '%',
      plugin: AuthPlugin.NATIVE,
      credential: nativeCredential(PASSWORDS.native),
      grants: [
        { database: '*', table: '*', privileges: allPrivilegesAt('global'), grantOption: true },
      ],
    },
  ]);
  const handler = new EngineHandler({
    catalog,
    accounts: catalog,
    nowMicros: () => 1_767_225_600_000_000n,
    random: () => 0.5,
    uptimeSeconds: () => 1,
    randomBytes: (n) => randomBytes(n),
    scryptCost: { N: 1024, r: 8, p: 1 },
  });
  server = new MysqlServer({ handler, random: { bytes: (n) => randomBytes(n) } });
  ({ port } = await server.listen({ host: '127.0.0.1', port: 0 }));
});

afterAll(async () => {
  await server.close();
});

interface FieldPacket {
  schema: string;
  table: string;
  name: string;
  type: number;
  flags: number;
  default: string | null;
}

/** A column definition as COM_FIELD_LIST sends it: Protocol::ColumnDefinition41 + default. */
function fieldOf(payload: Buffer | undefined): FieldPacket {
  if (payload === undefined) throw new Error('missing packet');
  const r = new PayloadReader(payload);
  const text = () => r.lenencBytes().toString('utf8');
  expect(text()).toBe('def');
  const schema = text();
  const table = text();
  expect(text()).toBe(table); // org_table
  const name = text();
  expect(text()).toBe(name); // org_name
  expect(r.lenenc()).toBe(0x0c);
  r.int2(); // collation
  r.int4(); // length
  const type = r.int1();
  const flags = r.int2();
  r.int1(); // decimals
  r.skip(2);
  const isNull = r.peek() === 0xfb;
  const fieldDefault = isNull ? (r.skip(1), null) : r.lenencBytes().toString('utf8');
  expect(r.atEnd()).toBe(true);
  return { schema, table, name, type, flags, default: fieldDefault };
}

async function query(client: RawClient, sql: string): Promise<Buffer> {
  const [first] = await client.command(Buffer.from(`\x03${sql}`, 'utf8'));
  if (first?.[0] !== 0) throw new Error(`${sql}: ${first?.toString('latin1') ?? 'no answer'}`);
  return first;
}

describe('COM_FIELD_LIST', () => {
  it('answers the columns of a table with their defaults, then the terminator', async () => {
    const client = await RawClient.login(port);
    await query(client, 'CREATE DATABASE shop');
    await query(
      client,
      "CREATE TABLE shop.item (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT 'x', " +
        'made DATETIME DEFAULT CURRENT_TIMESTAMP, note TEXT)',
    );
    const [used] = await client.command(Buffer.from('\x02shop', 'utf8'));
    expect(used?.[0]).toBe(0);

    const packets = await client.command(Buffer.from('\x04item\x00', 'latin1'), 5);
    const fields = packets.slice(0, 4).map(fieldOf);
    expect(fields.map((f) => [f.schema, f.table, f.name, f.default])).toEqual([
      ['shop', 'item', 'id', null],
      ['shop', 'item', 'name', 'x'],
      ['shop', 'item', 'made', 'CURRENT_TIMESTAMP'],
      ['shop', 'item', 'note', null],
    ]);
    expect(fields.map((f) => (f.flags & ColumnFlag.NOT_NULL) !== 0)).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(fields[2]?.type).toBe(ColumnType.DateTime);
    // CLIENT_DEPRECATE_EOF: an OK packet with the 0xFE header ends the list.
    expect(packets[4]?.[0]).toBe(0xfe);

    // The wildcard after the NUL is a LIKE pattern on the column names.
    const some = await client.command(Buffer.from('\x04item\x00n%', 'latin1'), 3);
    expect(some.slice(0, 2).map((p) => fieldOf(p).name)).toEqual(['name', 'note']);
    expect(some[2]?.[0]).toBe(0xfe);
    client.close();
  });

  it('1146 for an unknown table, 1046 without a database, 1109 in information_schema', async () => {
    const client = await RawClient.login(port);
    const [none] = await client.command(Buffer.from('\x04item\x00', 'latin1'));
    expect(errorOf(none)).toMatchObject({ code: 1046, sqlState: '3D000' });
    await client.command(Buffer.from('\x02shop', 'utf8'));
    const [unknown] = await client.command(Buffer.from('\x04nope\x00', 'latin1'));
    expect(errorOf(unknown)).toEqual({
      code: 1146,
      sqlState: '42S02',
      message: "Table 'shop.nope' doesn't exist",
    });
    await client.command(Buffer.from('\x02information_schema', 'utf8'));
    const [missing] = await client.command(Buffer.from('\x04NOPE\x00', 'latin1'));
    expect(errorOf(missing).code).toBe(1109);
    const schemata = await client.command(Buffer.from('\x04SCHEMATA\x00', 'latin1'), 7);
    expect(schemata.slice(0, 6).map((p) => fieldOf(p).name)).toEqual([
      'CATALOG_NAME',
      'SCHEMA_NAME',
      'DEFAULT_CHARACTER_SET_NAME',
      'DEFAULT_COLLATION_NAME',
      'SQL_PATH',
      'DEFAULT_ENCRYPTION',
    ]);
    // The connection is still in step: the next command answers normally.
    const [pong] = await client.command(Buffer.from([Command.PING]));
    expect(pong?.[0]).toBe(0);
    client.close();
  });
});

describe('COM_STMT_RESET', () => {
  it('drops the long data sent so far; the next execute uses its own parameter', async () => {
    const client = await RawClient.login(port);
    const [prepared] = await client.command(Buffer.from('\x16SELECT ?', 'latin1'), 3);
    expect(prepared?.[0]).toBe(0);
    const id = prepared?.readUInt32LE(1) ?? 0;
    const longData = new PayloadBuilder();
    longData.int1(Command.STMT_SEND_LONG_DATA).int4(id).int2(0).str('from long data');
    await client.send(longData.view());
    const reset = new PayloadBuilder().int1(Command.STMT_RESET).int4(id);
    const [ok] = await client.command(reset.view());
    expect(ok?.[0]).toBe(0);

    const execute = new PayloadBuilder();
    execute.int1(Command.STMT_EXECUTE).int4(id).int1(0).int4(1);
    execute.int1(0).int1(1).int1(ColumnType.VarString).int1(0).lenencStr('inline');
    const answer = await client.command(execute.view(), 4); // count, column, row, OK
    expect(answer[2]?.subarray(2).toString()).toBe('\x06inline');

    const [unknown] = await client.command(new PayloadBuilder().int1(0x1a).int4(999).view());
    expect(errorOf(unknown)).toMatchObject({ code: 1243, sqlState: 'HY000' });
    client.close();
  });
});
