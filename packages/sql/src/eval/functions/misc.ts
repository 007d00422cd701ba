// Session and miscellaneous functions: VERSION, DATABASE, USER, CONNECTION_ID, LAST_INSERT_ID,
// ROW_COUNT, FOUND_ROWS, UUID, SLEEP (refused: no timers in the engine).

import type { EvalContext } from '../context.js';
import { toUint } from '../convert.js';
import { type SqlValue, Coercibility, int, str, uint } from '../value.js';
import { type FunctionTable, fn } from './registry.js';

function sysString(s: string, ctx: EvalContext): SqlValue {
  return str(s, ctx.collation, Coercibility.sysconst);
}

/** A version-4 UUID from the context's randomness (MySQL's are version 1; see README). */
function uuid(ctx: EvalContext): string {
  const bytes: number[] = [];
  for (let i = 0; i < 16; i++) bytes.push(Math.floor(ctx.random() * 256) & 0xff);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const miscFunctions: FunctionTable = {
  VERSION: fn(0, 0, (_a, ctx) => sysString(ctx.session.version, ctx)),
  DATABASE: fn(0, 0, (_a, ctx) =>
    ctx.session.database === null ? null : sysString(ctx.session.database, ctx),
  ),
  SCHEMA: fn(0, 0, (_a, ctx) =>
    ctx.session.database === null ? null : sysString(ctx.session.database, ctx),
  ),
  USER: fn(0, 0, (_a, ctx) => sysString(ctx.session.user, ctx)),
  SESSION_USER: fn(0, 0, (_a, ctx) => sysString(ctx.session.user, ctx)),
  SYSTEM_USER: fn(0, 0, (_a, ctx) => sysString(ctx.session.user, ctx)),
  CURRENT_USER: fn(0, 0, (_a, ctx) => sysString(ctx.session.currentUser, ctx)),
  CONNECTION_ID: fn(0, 0, (_a, ctx) => uint(ctx.session.connectionId)),
  LAST_INSERT_ID: fn(0, 1, (args, ctx) => {
    if (args.count === 0) return uint(ctx.session.lastInsertId);
    // LAST_INSERT_ID(expr) returns expr; remembering it for the session is the executor's part.
    const n = toUint(args.value(0), ctx.warn.bind(ctx));
    return n === null ? null : uint(n);
  }),
  ROW_COUNT: fn(0, 0, (_a, ctx) => int(ctx.session.rowCount)),
  FOUND_ROWS: fn(0, 0, (_a, ctx) => int(ctx.session.foundRows)),
  UUID: fn(0, 0, (_a, ctx) => str(uuid(ctx), ctx.collation, Coercibility.implicit)),
};
