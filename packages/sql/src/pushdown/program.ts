/**
 * The bytes of a SQL scan program: what builder.ts writes at the gateway and processor.ts
 * reads on the data node. Expressions travel as SQL text — one SELECT list, printed by
 * `formatExpr` and parsed back by the node with the real parser (the builder checked that the
 * text parses back to the same tree), so the node needs no second AST format and garbage is
 * caught by the parser.
 *
 * ```
 * program  := "TSQP" · u8 version (1)
 *             settings · str db · str alias · str table
 *             varint n · n × column              the columns the expressions read
 *             u8 all (1) | 0 · varint n · n × varint id        projection
 *             values                             parameter values (value-codec.ts), by `?` order
 *             str list                           "e1, e2, …": filters, then keys / GROUP BY,
 *                                                then the aggregate calls
 *             varint filters · output
 * settings := str collation · svarint tz seconds · svarint today µs ·
 *             varint group_concat_max_len · varint max_allowed_packet
 * column   := varint id · str name · str family · u8 flags (1 unsigned, 2 fsp, 4 collation,
 *             8 fill) · [u8 fsp] · [str collation] · [fill]
 * fill     := u8 0 · svarint int | 1 · f64 | 2 · str text | 3 · str hex
 * output   := 0 rows · u8 has limit · [varint limit]
 *           | 1 topN · varint n · varint keys · keys × u8 desc
 *           | 2 aggregate · varint groupBy · varint calls
 * ```
 *
 * `decodeProgram` checks every field and throws `ProgramDecodeError` (or the codec's
 * `ValueCodecError`) on anything else; it never loops past the input.
 */
import { collationNamed } from '../encoding/key-codec.js';
import type { ColumnSchema, StoredFill, TypeFamily } from '../schema/definition.js';
import type { SqlValue } from '../eval/value.js';
import {
  ByteReader,
  ByteWriter,
  ValueCodecError,
  readSqlValues,
  writeSqlValues,
} from '../eval/value-codec.js';
import type { PushdownSettings } from './settings.js';

export class ProgramDecodeError extends Error {
  override readonly name = 'ProgramDecodeError';
}

const MAGIC = [0x54, 0x53, 0x51, 0x50]; // "TSQP"
const VERSION = 1;

/** Bounds on a program's parts (a program is per statement, these are generous). */
export const PROGRAM_LIMITS = {
  columns: 4096,
  topN: 65_536,
  keys: 64,
  calls: 256,
} as const;

const FAMILIES: readonly TypeFamily[] = [
  'int',
  'decimal',
  'float',
  'double',
  'bit',
  'char',
  'varchar',
  'text',
  'binary',
  'varbinary',
  'blob',
  'date',
  'datetime',
  'timestamp',
  'time',
  'year',
  'json',
  'enum',
  'set',
];

export type ProgramOutput =
  | { readonly kind: 'rows'; readonly limit: number | undefined }
  | { readonly kind: 'topN'; readonly n: number; readonly desc: readonly boolean[] }
  | { readonly kind: 'aggregate'; readonly groupBy: number; readonly calls: number };

/** A decoded program, expressions still as text. */
export interface ScanProgramData {
  readonly settings: PushdownSettings;
  readonly db: string;
  readonly alias: string;
  readonly table: string;
  /** The columns the expressions read (only what reading a stored value needs). */
  readonly columns: readonly ColumnSchema[];
  /** Column ids an output row keeps; undefined: the stored row as it is. */
  readonly project: readonly number[] | undefined;
  readonly params: readonly SqlValue[];
  /** The expressions as one SELECT list (empty when there are none). */
  readonly exprs: string;
  /** How many of them, from the first, are WHERE conjuncts. */
  readonly filters: number;
  readonly output: ProgramOutput;
}

export function encodeProgram(p: ScanProgramData): Uint8Array {
  const w = new ByteWriter();
  for (const b of MAGIC) w.u8(b);
  w.u8(VERSION);
  w.str(p.settings.collation);
  w.svarint(p.settings.timeZoneOffsetSeconds);
  w.svarint(p.settings.todayMicros);
  w.varint(p.settings.groupConcatMaxLen);
  w.varint(p.settings.maxAllowedPacket);
  w.str(p.db);
  w.str(p.alias);
  w.str(p.table);
  w.varint(p.columns.length);
  for (const c of p.columns) writeColumn(w, c);
  if (p.project === undefined) w.u8(1);
  else {
    w.u8(0);
    w.varint(p.project.length);
    for (const id of p.project) w.varint(id);
  }
  writeSqlValues(w, p.params);
  w.str(p.exprs);
  w.varint(p.filters);
  const out = p.output;
  switch (out.kind) {
    case 'rows':
      w.u8(0);
      w.u8(out.limit === undefined ? 0 : 1);
      if (out.limit !== undefined) w.varint(out.limit);
      break;
    case 'topN':
      w.u8(1);
      w.varint(out.n);
      w.varint(out.desc.length);
      for (const d of out.desc) w.u8(d ? 1 : 0);
      break;
    case 'aggregate':
      w.u8(2);
      w.varint(out.groupBy);
      w.varint(out.calls);
      break;
  }
  return w.finish();
}

export function decodeProgram(bytes: Uint8Array): ScanProgramData {
  try {
    return readProgram(new ByteReader(bytes));
  } catch (error) {
    if (error instanceof ValueCodecError) {
      throw new ProgramDecodeError(`not a SQL scan program: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function readProgram(r: ByteReader): ScanProgramData {
  for (const b of MAGIC) {
    if (r.u8() !== b) throw new ProgramDecodeError('not a SQL scan program (bad magic)');
  }
  const version = r.u8();
  if (version !== VERSION) {
    throw new ProgramDecodeError(`SQL scan program version ${version} is not ${VERSION}`);
  }
  const collation = r.str();
  if (collationNamed(collation) === undefined) {
    throw new ProgramDecodeError(`unknown collation '${collation}'`);
  }
  const settings: PushdownSettings = {
    collation,
    timeZoneOffsetSeconds: r.svarint(),
    todayMicros: r.bigSvarint(),
    groupConcatMaxLen: r.varint(),
    maxAllowedPacket: r.varint(),
  };
  const db = r.str();
  const alias = r.str();
  const table = r.str();
  const columnCount = r.varint(PROGRAM_LIMITS.columns);
  const columns: ColumnSchema[] = [];
  for (let i = 0; i < columnCount; i++) columns.push(readColumn(r));
  let project: number[] | undefined;
  const all = r.u8();
  if (all === 0) {
    const n = r.varint(PROGRAM_LIMITS.columns);
    project = [];
    for (let i = 0; i < n; i++) project.push(r.varint());
  } else if (all !== 1) throw new ProgramDecodeError(`bad projection flag ${all}`);
  const params = readSqlValues(r);
  const exprs = r.str();
  const filters = r.varint();
  const output = readOutput(r);
  r.end('program');
  return { settings, db, alias, table, columns, project, params, exprs, filters, output };
}

function readOutput(r: ByteReader): ProgramOutput {
  const kind = r.u8();
  switch (kind) {
    case 0: {
      const has = r.u8();
      if (has > 1) throw new ProgramDecodeError(`bad limit flag ${has}`);
      const limit = has === 1 ? r.varint() : undefined;
      if (limit === 0) throw new ProgramDecodeError('LIMIT 0 is not a program');
      return { kind: 'rows', limit };
    }
    case 1: {
      const n = r.varint(PROGRAM_LIMITS.topN);
      const keys = r.varint(PROGRAM_LIMITS.keys);
      if (n === 0 || keys === 0) throw new ProgramDecodeError('a top-N needs rows and keys');
      const desc: boolean[] = [];
      for (let i = 0; i < keys; i++) {
        const d = r.u8();
        if (d > 1) throw new ProgramDecodeError(`bad sort direction ${d}`);
        desc.push(d === 1);
      }
      return { kind: 'topN', n, desc };
    }
    case 2: {
      const groupBy = r.varint(PROGRAM_LIMITS.keys);
      const calls = r.varint(PROGRAM_LIMITS.calls);
      return { kind: 'aggregate', groupBy, calls };
    }
    default:
      throw new ProgramDecodeError(`unknown program output ${kind}`);
  }
}

const Flag = { unsigned: 1, fsp: 2, collation: 4, fill: 8 } as const;

function writeColumn(w: ByteWriter, c: ColumnSchema): void {
  const t = c.type;
  w.varint(c.id);
  w.str(c.name);
  w.str(t.family);
  const flags =
    (t.unsigned === true ? Flag.unsigned : 0) |
    (t.fsp === undefined ? 0 : Flag.fsp) |
    (t.collation === undefined ? 0 : Flag.collation) |
    (c.fill === undefined ? 0 : Flag.fill);
  w.u8(flags);
  if (t.fsp !== undefined) w.u8(t.fsp);
  if (t.collation !== undefined) w.str(t.collation);
  if (c.fill !== undefined) writeFill(w, c.fill);
}

function readColumn(r: ByteReader): ColumnSchema {
  const id = r.varint();
  const name = r.str();
  const familyName = r.str();
  const family = FAMILIES.find((f) => f === familyName);
  if (family === undefined) throw new ProgramDecodeError(`unknown column type '${familyName}'`);
  const flags = r.u8();
  if (flags > 15) throw new ProgramDecodeError(`bad column flags ${flags}`);
  const fsp = flags & Flag.fsp ? r.u8() : undefined;
  if (fsp !== undefined && fsp > 6) throw new ProgramDecodeError(`bad column fsp ${fsp}`);
  const collation = flags & Flag.collation ? r.str() : undefined;
  const fill = flags & Flag.fill ? readFill(r) : undefined;
  return {
    id,
    name,
    type: {
      name: family,
      family,
      ...(flags & Flag.unsigned ? { unsigned: true } : {}),
      ...(fsp === undefined ? {} : { fsp }),
      ...(collation === undefined ? {} : { collation }),
    },
    nullable: true,
    default: { kind: 'none' },
    autoIncrement: false,
    onUpdateCurrentTimestamp: false,
    ...(fill === undefined ? {} : { fill }),
  };
}

function writeFill(w: ByteWriter, fill: StoredFill): void {
  if ('int' in fill) {
    w.u8(0);
    w.svarint(BigInt(fill.int));
  } else if ('double' in fill) {
    w.u8(1);
    w.f64(fill.double);
  } else if ('text' in fill) {
    w.u8(2);
    w.str(fill.text);
  } else {
    w.u8(3);
    w.str(fill.hex);
  }
}

function readFill(r: ByteReader): StoredFill {
  const tag = r.u8();
  switch (tag) {
    case 0:
      return { int: r.bigSvarint().toString() };
    case 1:
      return { double: r.f64() };
    case 2:
      return { text: r.str() };
    case 3: {
      const hex = r.str();
      if (!/^(?:[0-9a-f]{2})*$/i.test(hex)) throw new ProgramDecodeError('bad column fill');
      return { hex };
    }
    default:
      throw new ProgramDecodeError(`unknown column fill ${tag}`);
  }
}
