/**
 * The package graph of DESIGN.md: which workspace package may import which. An edge that is
 * not listed here is a forbidden import. Changing the architecture means changing this table
 * (and docs/ARCHITECTURE.md) in the same commit.
 */
export const allowedImports: Readonly<Record<string, readonly string[]>> = {
  '@tessera/console': ['@tessera/api'],
  '@tessera/server': [
    '@tessera/api',
    '@tessera/gateway',
    '@tessera/sql',
    '@tessera/cluster',
    '@tessera/txn',
    '@tessera/storage',
    '@tessera/placement',
    '@tessera/raft',
    '@tessera/host',
  ],
  '@tessera/api': [],
  '@tessera/gateway': ['@tessera/sql', '@tessera/ddl'],
  '@tessera/ddl': ['@tessera/sql', '@tessera/txn'],
  '@tessera/sql': ['@tessera/txn', '@tessera/placement'],
  '@tessera/txn': ['@tessera/cluster', '@tessera/storage'],
  '@tessera/cluster': ['@tessera/raft', '@tessera/storage', '@tessera/placement'],
  '@tessera/objectstore': ['@tessera/storage'],
  '@tessera/raft': [],
  '@tessera/storage': [],
  '@tessera/placement': [],
  '@tessera/host': ['@tessera/cluster'],
  '@tessera/sim': [
    '@tessera/cluster',
    '@tessera/txn',
    '@tessera/storage',
    '@tessera/placement',
    '@tessera/raft',
  ],
  '@tessera/boundaries': [],
  '@tessera/e2e': [],
};

/**
 * Edges that may carry types only through the package's root entry: the console runs in the
 * browser and must not bundle the API's server code (tRPC's server runtime refuses to load
 * there). Explicitly exported subpaths such as '@tessera/api/roles' may still carry values.
 */
export const typeOnlyImports: Readonly<Record<string, readonly string[]>> = {
  '@tessera/console': ['@tessera/api'],
};

/**
 * Engine packages take clock, randomness, timers and transport as parameters (STYLE.md §3), so
 * that the simulator can run them deterministically. Host bindings (wall clock, timers, TCP
 * sockets, crypto randomness) live in `@tessera/host` and the apps.
 */
export const enginePackages: ReadonlySet<string> = new Set([
  '@tessera/raft',
  '@tessera/storage',
  '@tessera/placement',
  '@tessera/cluster',
  '@tessera/txn',
  '@tessera/sql',
  '@tessera/ddl',
  '@tessera/gateway',
  '@tessera/objectstore',
]);
