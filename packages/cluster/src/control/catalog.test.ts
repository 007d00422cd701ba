import type { ClusterNode } from '@tessera/placement';
import { validatePlacement } from '@tessera/placement';
import { describe, expect, it } from 'vitest';
import {
  decodeControlCommand,
  decodeControlSnapshot,
  encodeControlCommand,
  encodeControlSnapshot,
} from './control-codec';
import type { ControlCommand, ControlResult } from './control-state';
import { ControlState } from './control-state';

/** Applies each command the way a replica does: through the log encoding. */
function applyAll(state: ControlState, commands: readonly ControlCommand[]): ControlResult[] {
  return commands.map((c) => state.apply(decodeControlCommand(encodeControlCommand(c))));
}

function apply(state: ControlState, command: ControlCommand): ControlResult {
  const [result] = applyAll(state, [command]);
  if (result === undefined) throw new Error('no result');
  return result;
}

function threeNodes(): ControlState {
  const state = new ControlState();
  applyAll(
    state,
    ['a', 'b', 'c'].map((zone, i) => ({
      kind: 'registerNode' as const,
      nodeId: i + 1,
      zone,
      address: '',
      atMs: 1,
    })),
  );
  return state;
}

const ordersDefinition = {
  columns: [
    { name: 'id', type: 'BIGINT' },
    { name: 'customer', type: 'VARCHAR(64)' },
  ],
  primaryKey: ['id'],
};

const createOrders: ControlCommand = {
  kind: 'createTable',
  database: 'shop',
  name: 'orders',
  definition: ordersDefinition,
  representations: [{ name: 'PRIMARY', sliceCount: 3 }, { name: 'by_customer' }],
};

const valid = (state: ControlState, nodes: readonly ClusterNode[] = state.clusterNodes()) =>
  validatePlacement(state.slicePlacement, nodes);

describe('the SQL catalog in the control plane', () => {
  it('creates databases and tables with their representations placed, all at once', () => {
    const state = threeNodes();
    expect(apply(state, { kind: 'createDatabase', name: 'shop' })).toEqual({
      kind: 'databaseCreated',
      databaseId: 1,
    });
    const created = apply(state, createOrders);
    expect(created).toMatchObject({ kind: 'tableChanged', tableId: 1, version: 1 });
    const table = state.table('shop', 'orders');
    expect(table?.representations.map((r) => r.name)).toEqual(['PRIMARY', 'by_customer']);
    expect(table?.definition).toEqual(ordersDefinition);
    const names = state.slicePlacement.representations.map((r) => r.name);
    expect(names).toEqual(['t1/PRIMARY', 't1/by_customer']);
    expect(state.slicePlacement.representations[0]?.slices).toHaveLength(3);
    expect(valid(state)).toEqual([]);
    expect(state.sqlCatalog.version).toBe(2);
  });

  it('refuses what MySQL refuses, with a code, and changes nothing', () => {
    const state = threeNodes();
    apply(state, { kind: 'createDatabase', name: 'shop' });
    apply(state, createOrders);
    const before = encodeControlSnapshot(state.snapshot());
    const results = applyAll(state, [
      { kind: 'createDatabase', name: 'shop' },
      { kind: 'createDatabase', name: '' },
      { kind: 'dropDatabase', name: 'nope' },
      { ...createOrders },
      { ...createOrders, database: 'nope' },
      { ...createOrders, name: 'x', representations: [] },
      {
        ...createOrders,
        name: 'x',
        representations: [{ name: 'PRIMARY' }, { name: 'PRIMARY' }],
      },
      // The second representation cannot be placed: nothing of the table is created.
      {
        ...createOrders,
        name: 'x',
        representations: [{ name: 'PRIMARY' }, { name: 'bad', replicas: 0 }],
      },
      { kind: 'dropTable', database: 'shop', name: 'nope' },
      {
        kind: 'alterTable',
        database: 'shop',
        name: 'orders',
        expectedVersion: 7,
        definition: {},
      },
      {
        kind: 'alterTable',
        database: 'shop',
        name: 'orders',
        expectedVersion: 1,
        definition: {},
        dropRepresentations: ['PRIMARY'],
      },
      { kind: 'allocateAutoIncrement', tableId: 99, count: 1 },
    ]);
    expect(results.map((r) => (r.kind === 'rejected' ? r.code : r.kind))).toEqual([
      'DB_EXISTS',
      'BAD_NAME',
      'NO_SUCH_DB',
      'TABLE_EXISTS',
      'NO_SUCH_DB',
      'PLACEMENT',
      'REPRESENTATION_EXISTS',
      'PLACEMENT',
      'NO_SUCH_TABLE',
      'VERSION_MISMATCH',
      'PLACEMENT',
      'NO_SUCH_TABLE',
    ]);
    expect(results[0]).toMatchObject({
      reason: "Can't create database 'shop'; database exists",
    });
    expect(encodeControlSnapshot(state.snapshot())).toEqual(before);
  });

  it('alters a table under a version check: adds and drops indexes, bumps the version', () => {
    const state = threeNodes();
    apply(state, { kind: 'createDatabase', name: 'shop' });
    apply(state, createOrders);
    const altered = apply(state, {
      kind: 'alterTable',
      database: 'shop',
      name: 'orders',
      expectedVersion: 1,
      definition: { ...ordersDefinition, note: 'v2' },
      addRepresentations: [{ name: 'by_date' }],
      dropRepresentations: ['by_customer'],
    });
    expect(altered).toMatchObject({ kind: 'tableChanged', version: 2 });
    expect(state.table('shop', 'orders')?.representations.map((r) => r.name)).toEqual([
      'PRIMARY',
      'by_date',
    ]);
    expect(state.slicePlacement.representations.map((r) => r.name)).toEqual([
      't1/PRIMARY',
      't1/by_date',
    ]);
    // A change computed against version 1 is now refused.
    expect(
      apply(state, {
        kind: 'alterTable',
        database: 'shop',
        name: 'orders',
        expectedVersion: 1,
        definition: {},
      }),
    ).toMatchObject({ kind: 'rejected', code: 'VERSION_MISMATCH' });
    expect(valid(state)).toEqual([]);
  });

  it('renames, drops tables and databases together with their slices', () => {
    const state = threeNodes();
    applyAll(state, [
      { kind: 'createDatabase', name: 'shop' },
      { kind: 'createDatabase', name: 'archive' },
      createOrders,
      { ...createOrders, name: 'returns' },
    ]);
    expect(
      apply(state, {
        kind: 'renameTable',
        database: 'shop',
        name: 'orders',
        toDatabase: 'archive',
        toName: 'orders_2025',
      }),
    ).toMatchObject({ kind: 'tableChanged', version: 2 });
    expect(state.table('archive', 'orders_2025')?.id).toBe(1);
    expect(apply(state, { kind: 'dropTable', database: 'archive', name: 'orders_2025' })).toEqual({
      kind: 'ok',
    });
    expect(state.slicePlacement.representations.map((r) => r.name)).toEqual([
      't2/PRIMARY',
      't2/by_customer',
    ]);
    expect(apply(state, { kind: 'dropDatabase', name: 'shop' })).toEqual({ kind: 'ok' });
    expect(state.slicePlacement.representations).toEqual([]);
    expect(state.sqlCatalog.databases.map((d) => d.name)).toEqual(['archive']);
    expect(state.sqlCatalog.tables).toEqual([]);
  });

  it('hands out AUTO_INCREMENT ranges once each, never below an explicit value', () => {
    const state = threeNodes();
    applyAll(state, [{ kind: 'createDatabase', name: 'shop' }, createOrders]);
    const alloc = (count: number, atLeast?: number) =>
      apply(state, {
        kind: 'allocateAutoIncrement',
        tableId: 1,
        count,
        ...(atLeast === undefined ? {} : { atLeast }),
      });
    expect(alloc(100)).toEqual({ kind: 'autoIncrementAllocated', first: 1, count: 100 });
    expect(alloc(100)).toEqual({ kind: 'autoIncrementAllocated', first: 101, count: 100 });
    expect(alloc(10, 5_000)).toEqual({ kind: 'autoIncrementAllocated', first: 5_000, count: 10 });
    expect(alloc(1)).toEqual({ kind: 'autoIncrementAllocated', first: 5_010, count: 1 });
    // Not a schema change.
    expect(state.table('shop', 'orders')?.version).toBe(1);
    expect(alloc(0)).toMatchObject({ kind: 'rejected' });
  });

  it('replicates: the same log gives the same catalog, through the snapshot codec too', () => {
    const log: ControlCommand[] = [
      { kind: 'createDatabase', name: 'shop' },
      createOrders,
      { kind: 'allocateAutoIncrement', tableId: 1, count: 7 },
      {
        kind: 'alterTable',
        database: 'shop',
        name: 'orders',
        expectedVersion: 1,
        definition: { v: 2 },
        addRepresentations: [{ name: 'by_date', sliceCount: 2 }],
      },
    ];
    const a = threeNodes();
    const b = threeNodes();
    applyAll(a, log);
    applyAll(b, log);
    expect(encodeControlSnapshot(a.snapshot())).toEqual(encodeControlSnapshot(b.snapshot()));
    const restored = ControlState.fromSnapshot(
      decodeControlSnapshot(encodeControlSnapshot(a.snapshot())),
    );
    expect(restored.snapshot()).toEqual(a.snapshot());
    // A snapshot from before the catalog existed reads as an empty catalog.
    const { catalog: _, ...older } = threeNodes().snapshot();
    expect(ControlState.fromSnapshot(older).sqlCatalog).toEqual({
      version: 0,
      databases: [],
      tables: [],
    });
  });

  it('keeps MySQL accounts and their grants, merged and revoked per level', () => {
    const state = threeNodes();
    const results = applyAll(state, [
      {
        kind: 'createUser',
        user: 'app',
        host: '%',
        plugin: 'caching_sha2_password',
        credential: '$scrypt$x',
      },
      {
        kind: 'createUser',
        user: 'app',
        host: '%',
        plugin: 'caching_sha2_password',
        credential: '$scrypt$y',
      },
      {
        kind: 'grant',
        user: 'app',
        host: '%',
        database: 'shop',
        table: '*',
        privileges: ['SELECT', 'INSERT'],
        grantOption: false,
      },
      {
        kind: 'grant',
        user: 'app',
        host: '%',
        database: 'shop',
        table: '*',
        privileges: ['UPDATE', 'SELECT'],
        grantOption: true,
      },
      {
        kind: 'revoke',
        user: 'app',
        host: '%',
        database: 'shop',
        table: '*',
        privileges: ['INSERT'],
        grantOption: false,
      },
      {
        kind: 'revoke',
        user: 'app',
        host: '%',
        database: 'other',
        table: '*',
        privileges: ['SELECT'],
        grantOption: false,
      },
      {
        kind: 'grant',
        user: 'nobody',
        host: '%',
        database: '*',
        table: '*',
        privileges: ['SELECT'],
        grantOption: false,
      },
      {
        kind: 'alterUser',
        user: 'app',
        host: '%',
        plugin: 'mysql_native_password',
        credential: '*AB',
      },
      { kind: 'alterUser', user: 'ghost', host: '%', plugin: 'x', credential: '' },
    ]);
    expect(results.map((r) => (r.kind === 'rejected' ? r.code : r.kind))).toEqual([
      'ok',
      'ACCOUNT_EXISTS',
      'ok',
      'ok',
      'ok',
      'NO_SUCH_GRANT',
      'NO_SUCH_ACCOUNT',
      'ok',
      'NO_SUCH_ACCOUNT',
    ]);
    expect(results[1]).toMatchObject({ reason: "Operation CREATE USER failed for 'app'@'%'" });
    expect(state.account('app', '%')).toEqual({
      user: 'app',
      host: '%',
      plugin: 'mysql_native_password',
      credential: '*AB',
      grants: [
        { database: 'shop', table: '*', privileges: ['SELECT', 'UPDATE'], grantOption: true },
      ],
    });
    // REVOKE ALL takes the level away entirely; DROP USER removes the account.
    apply(state, {
      kind: 'revoke',
      user: 'app',
      host: '%',
      database: 'shop',
      table: '*',
      privileges: ['ALL'],
      grantOption: false,
    });
    expect(state.account('app', '%')?.grants).toEqual([]);
    expect(apply(state, { kind: 'dropUser', user: 'app', host: '%' })).toEqual({ kind: 'ok' });
    expect(state.account('app', '%')).toBeUndefined();
    const restored = ControlState.fromSnapshot(
      decodeControlSnapshot(encodeControlSnapshot(state.snapshot())),
    );
    expect(restored.snapshot()).toEqual(state.snapshot());
  });
});
