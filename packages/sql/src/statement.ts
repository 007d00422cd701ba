// The statement dispatcher: the first keyword picks the grammar.

import type { Statement } from './ast.js';
import type { Cursor } from './cursor.js';
import {
  parseAlterCluster,
  parseAlterUser,
  parseCompletion,
  parseCreateUser,
  parseDescribeOrExplain,
  parseDropUser,
  parseFlush,
  parseGrant,
  parseKill,
  parseLockTables,
  parseRevoke,
  parseSet,
  parseShow,
  parseStartTransaction,
} from './admin.js';
import {
  parseAlterDatabase,
  parseAlterTable,
  parseCreateDatabase,
  parseCreateIndex,
  parseCreateTable,
  parseDropDatabase,
  parseDropIndex,
  parseDropTable,
  parseRenameTable,
  parseTruncate,
} from './ddl.js';
import { parseDelete, parseInsert, parseUpdate } from './dml.js';
import { parseExprList } from './expr.js';
import { Tok } from './lexer.js';
import type { Token } from './lexer.js';
import { parseQuery } from './query.js';

/** Valid MySQL statements we do not handle: answered with 1235, not 1064. */
const UNSUPPORTED_STATEMENTS = new Set([
  'TABLE',
  'VALUES',
  'CALL',
  'LOAD',
  'HANDLER',
  'PREPARE',
  'EXECUTE',
  'DEALLOCATE',
  'ANALYZE',
  'OPTIMIZE',
  'CHECK',
  'CHECKSUM',
  'REPAIR',
  'XA',
  'CHANGE',
  'PURGE',
  'RESET',
  'INSTALL',
  'UNINSTALL',
  'SIGNAL',
  'RESIGNAL',
  'GET',
  'IMPORT',
  'CLONE',
  'RESTART',
  'SHUTDOWN',
  'BINLOG',
  'CACHE',
  'HELP',
]);

export function parseStatement(p: Cursor): Statement {
  const t = p.peek();
  if (t.kind === Tok.OP && t.text === '(') return parseQuery(p);
  if (t.kind !== Tok.WORD) return p.fail(t);
  switch (t.upper) {
    case 'SELECT':
      return parseQuery(p);
    case 'WITH':
      return p.notSupported('WITH (common table expressions)', t);
    case 'INSERT':
    case 'REPLACE':
      return parseInsert(p);
    case 'UPDATE':
      return parseUpdate(p);
    case 'DELETE':
      return parseDelete(p);
    case 'CREATE':
      p.next();
      return parseCreate(p, t);
    case 'DROP':
      p.next();
      return parseDrop(p, t);
    case 'ALTER':
      p.next();
      return parseAlter(p, t);
    case 'TRUNCATE':
      p.next();
      return parseTruncate(p, t);
    case 'RENAME':
      p.next();
      if (p.isWord('USER')) return p.notSupported('RENAME USER');
      return parseRenameTable(p, t);
    case 'USE':
      p.next();
      return { kind: 'use', db: p.ident(), pos: t.start };
    case 'SET':
      p.next();
      return parseSet(p, t);
    case 'SHOW':
      p.next();
      return parseShow(p, t);
    case 'DESCRIBE':
    case 'DESC':
    case 'EXPLAIN':
      p.next();
      return parseDescribeOrExplain(p, t);
    case 'BEGIN':
      p.next();
      p.acceptWord('WORK');
      return { kind: 'begin', consistentSnapshot: false, pos: t.start };
    case 'START':
      p.next();
      if (!p.isWord('TRANSACTION')) return p.notSupported(`START ${p.peek().upper}`);
      return parseStartTransaction(p, t);
    case 'COMMIT':
      p.next();
      parseCompletion(p);
      return { kind: 'commit', pos: t.start };
    case 'ROLLBACK': {
      p.next();
      p.acceptWord('WORK');
      if (p.acceptWord('TO')) {
        p.acceptWord('SAVEPOINT');
        return { kind: 'rollback', savepoint: p.ident(), pos: t.start };
      }
      parseCompletion(p);
      return { kind: 'rollback', pos: t.start };
    }
    case 'SAVEPOINT':
      p.next();
      return { kind: 'savepoint', name: p.ident(), pos: t.start };
    case 'RELEASE':
      p.next();
      p.expectWord('SAVEPOINT');
      return { kind: 'releaseSavepoint', name: p.ident(), pos: t.start };
    case 'LOCK':
      p.next();
      if (p.isWord('INSTANCE')) return p.notSupported('LOCK INSTANCE');
      return parseLockTables(p, t);
    case 'UNLOCK':
      p.next();
      if (!p.acceptWord('TABLES')) {
        if (p.isWord('INSTANCE')) return p.notSupported('UNLOCK INSTANCE');
        p.expectWord('TABLE');
      }
      return { kind: 'unlockTables', pos: t.start };
    case 'KILL':
      p.next();
      return parseKill(p, t);
    case 'GRANT':
      p.next();
      return parseGrant(p, t);
    case 'REVOKE':
      p.next();
      return parseRevoke(p, t);
    case 'FLUSH':
      p.next();
      return parseFlush(p, t);
    case 'DO':
      p.next();
      return { kind: 'do', exprs: parseExprList(p), pos: t.start };
    default:
      if (UNSUPPORTED_STATEMENTS.has(t.upper)) return p.notSupported(t.upper, t);
      return p.fail(t);
  }
}

function parseCreate(p: Cursor, kw: Token): Statement {
  const t = p.next();
  if (t.kind !== Tok.WORD) return p.fail(t);
  switch (t.upper) {
    case 'TABLE':
      return parseCreateTable(p, kw, false);
    case 'TEMPORARY':
      p.expectWord('TABLE');
      return parseCreateTable(p, kw, true);
    case 'DATABASE':
    case 'SCHEMA':
      return parseCreateDatabase(p, kw);
    case 'INDEX':
      p.i--;
      return parseCreateIndex(p, kw, undefined);
    case 'UNIQUE':
    case 'FULLTEXT':
    case 'SPATIAL':
      return parseCreateIndex(p, kw, t.upper);
    case 'USER':
      return parseCreateUser(p, kw);
    case 'OR':
    case 'VIEW':
    case 'ALGORITHM':
    case 'DEFINER':
    case 'SQL':
    case 'TRIGGER':
    case 'PROCEDURE':
    case 'FUNCTION':
    case 'EVENT':
    case 'ROLE':
    case 'TABLESPACE':
    case 'SERVER':
    case 'LOGFILE':
    case 'SPATIAL REFERENCE':
    case 'RESOURCE':
    case 'AGGREGATE':
    case 'UNDO':
      return p.notSupported(`CREATE ${t.upper}`, t);
    default:
      return p.fail(t);
  }
}

function parseDrop(p: Cursor, kw: Token): Statement {
  const t = p.next();
  if (t.kind !== Tok.WORD) return p.fail(t);
  switch (t.upper) {
    case 'TABLE':
    case 'TABLES':
      return parseDropTable(p, kw, false);
    case 'TEMPORARY':
      if (!p.acceptWord('TABLES')) p.expectWord('TABLE');
      return parseDropTable(p, kw, true);
    case 'DATABASE':
    case 'SCHEMA':
      return parseDropDatabase(p, kw);
    case 'INDEX':
      return parseDropIndex(p, kw);
    case 'USER':
      return parseDropUser(p, kw);
    case 'VIEW':
    case 'TRIGGER':
    case 'PROCEDURE':
    case 'FUNCTION':
    case 'EVENT':
    case 'ROLE':
    case 'TABLESPACE':
    case 'SERVER':
    case 'LOGFILE':
    case 'PREPARE':
    case 'RESOURCE':
    case 'UNDO':
      return p.notSupported(`DROP ${t.upper}`, t);
    default:
      return p.fail(t);
  }
}

function parseAlter(p: Cursor, kw: Token): Statement {
  const t = p.peek();
  if (t.kind !== Tok.WORD) return p.fail(t);
  switch (t.upper) {
    case 'TABLE':
      return parseAlterTable(p, kw);
    case 'DATABASE':
    case 'SCHEMA':
      p.next();
      return parseAlterDatabase(p, kw);
    case 'USER':
      p.next();
      return parseAlterUser(p, kw);
    case 'CLUSTER':
      p.next();
      return parseAlterCluster(p, kw);
    case 'ONLINE':
    case 'IGNORE':
    case 'VIEW':
    case 'EVENT':
    case 'FUNCTION':
    case 'PROCEDURE':
    case 'INSTANCE':
    case 'SERVER':
    case 'TABLESPACE':
    case 'LOGFILE':
    case 'RESOURCE':
    case 'UNDO':
    case 'ALGORITHM':
    case 'DEFINER':
    case 'SQL':
      return p.notSupported(`ALTER ${t.upper}`, t);
    default:
      return p.fail(t);
  }
}
