/**
 * Builders and parsers of the protocol's structured packets: the handshake, OK / EOF / ERR,
 * column definitions.
 */
import type { ColumnDefinition } from '../handler';
import { PayloadBuilder, PayloadReader } from './buffer';
import { Capability, Collation, ColumnFlag, ColumnType } from './constants';
import type { MysqlError } from './errors';
import { ProtocolError } from './errors';

export interface InitialHandshake {
  readonly serverVersion: string;
  readonly connectionId: number;
  readonly scramble: Uint8Array;
  readonly capabilities: number;
  readonly collation: number;
  readonly status: number;
  readonly authPlugin: string;
}

/** Protocol::HandshakeV10. */
export function initialHandshake(h: InitialHandshake): Buffer {
  const out = new PayloadBuilder();
  out.int1(10).strNul(h.serverVersion).int4(h.connectionId);
  out.bytes(h.scramble.subarray(0, 8)).int1(0);
  out
    .int2(h.capabilities & 0xffff)
    .int1(h.collation)
    .int2(h.status);
  out.int2(h.capabilities >>> 16).int1(h.scramble.length + 1);
  out.zeros(10);
  out.bytes(h.scramble.subarray(8)).int1(0);
  out.strNul(h.authPlugin);
  return Buffer.from(out.view());
}

export interface HandshakeResponse {
  readonly capabilities: number;
  readonly maxPacketSize: number;
  readonly collation: number;
  readonly user: string;
  readonly authResponse: Buffer;
  readonly database: string | undefined;
  readonly authPlugin: string | undefined;
  readonly attributes: ReadonlyMap<string, string>;
}

/** An SSLRequest is the first 32 bytes of a HandshakeResponse41, sent alone. */
export function isSslRequest(payload: Buffer): boolean {
  if (payload.length !== 32) return false;
  return (payload.readUInt32LE(0) & Capability.SSL) !== 0;
}

const MAX_ATTRIBUTES = 256;

function readAttributes(r: PayloadReader): Map<string, string> {
  const attributes = new Map<string, string>();
  if (r.atEnd()) return attributes;
  const total = r.lenenc();
  const end = r.offset + total;
  while (r.offset < end && attributes.size < MAX_ATTRIBUTES) {
    const key = r.lenencBytes().toString('utf8');
    const value = r.lenencBytes().toString('utf8');
    attributes.set(key, value);
  }
  return attributes;
}

/** Protocol::HandshakeResponse41 (the 3.20 "320" format is refused). */
export function parseHandshakeResponse(payload: Buffer): HandshakeResponse {
  const r = new PayloadReader(payload);
  const capabilities = r.int4();
  if ((capabilities & Capability.PROTOCOL_41) === 0) {
    throw ProtocolError.malformed('the client does not speak protocol 4.1');
  }
  const maxPacketSize = r.int4();
  const collation = r.int1();
  r.skip(23);
  const user = r.nulBytes().toString('utf8');
  let authResponse: Buffer;
  if (capabilities & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA) authResponse = r.lenencBytes();
  else if (capabilities & Capability.SECURE_CONNECTION) authResponse = r.bytes(r.int1());
  else authResponse = r.nulBytes();
  let database: string | undefined;
  if (capabilities & Capability.CONNECT_WITH_DB && !r.atEnd()) {
    database = r.nulBytesLenient().toString('utf8');
    if (database === '') database = undefined;
  }
  let authPlugin: string | undefined;
  if (capabilities & Capability.PLUGIN_AUTH && !r.atEnd()) {
    authPlugin = r.nulBytesLenient().toString('utf8');
  }
  const attributes =
    capabilities & Capability.CONNECT_ATTRS ? readAttributes(r) : new Map<string, string>();
  return {
    capabilities,
    maxPacketSize,
    collation,
    user,
    authResponse: Buffer.from(authResponse),
    database,
    authPlugin,
    attributes,
  };
}

export interface ChangeUserRequest {
  readonly user: string;
  readonly authResponse: Buffer;
  readonly database: string | undefined;
  readonly collation: number | undefined;
  readonly authPlugin: string | undefined;
  readonly attributes: ReadonlyMap<string, string>;
}

/** COM_CHANGE_USER (after the command byte). */
export function parseChangeUser(r: PayloadReader, capabilities: number): ChangeUserRequest {
  const user = r.nulBytes().toString('utf8');
  const authResponse =
    capabilities & Capability.SECURE_CONNECTION ? r.bytes(r.int1()) : r.nulBytes();
  const db = r.atEnd() ? '' : r.nulBytesLenient().toString('utf8');
  let collation: number | undefined;
  if (r.remaining >= 2) collation = r.int2() & 0xff;
  let authPlugin: string | undefined;
  if (capabilities & Capability.PLUGIN_AUTH && !r.atEnd()) {
    authPlugin = r.nulBytesLenient().toString('utf8');
  }
  const attributes =
    capabilities & Capability.CONNECT_ATTRS ? readAttributes(r) : new Map<string, string>();
  return {
    user,
    authResponse: Buffer.from(authResponse),
    database: db === '' ? undefined : db,
    collation,
    authPlugin,
    attributes,
  };
}

export interface OkFields {
  readonly affectedRows?: number | bigint;
  readonly lastInsertId?: number | bigint;
  readonly status: number;
  readonly warnings?: number;
  readonly info?: string;
}

/** OK_Packet; with `eofHeader` it is the 0xFE-headed OK that ends a result set (DEPRECATE_EOF). */
export function okPacket(f: OkFields, eofHeader = false): Buffer {
  const out = new PayloadBuilder(32);
  out.int1(eofHeader ? 0xfe : 0x00);
  out.lenenc(f.affectedRows ?? 0).lenenc(f.lastInsertId ?? 0);
  out.int2(f.status).int2(Math.min(f.warnings ?? 0, 0xffff));
  // Length-encoded, as MySQL and MariaDB servers send it (the protocol docs say string<EOF>
  // without CLIENT_SESSION_TRACK, but libmariadb reads a length: raw text is "malformed").
  if (f.info !== undefined && f.info !== '') out.lenencStr(f.info);
  return Buffer.from(out.view());
}

/** EOF_Packet (clients without DEPRECATE_EOF). */
export function eofPacket(status: number, warnings = 0): Buffer {
  return Buffer.from(
    new PayloadBuilder(8).int1(0xfe).int2(Math.min(warnings, 0xffff)).int2(status).view(),
  );
}

/** ERR_Packet, always with a SQLSTATE (protocol 4.1). */
export function errPacket(e: Pick<MysqlError, 'code' | 'sqlState' | 'message'>): Buffer {
  const out = new PayloadBuilder(64);
  out.int1(0xff).int2(e.code).str('#').str(e.sqlState.slice(0, 5).padEnd(5, '0')).str(e.message);
  return Buffer.from(out.view());
}

/** The column facts after defaults are applied. */
export interface ResolvedColumn {
  readonly def: ColumnDefinition;
  readonly type: ColumnType;
  readonly flags: number;
  readonly collation: number;
  readonly length: number;
  readonly decimals: number;
}

const DEFAULT_LENGTH: Partial<Record<ColumnType, number>> = {
  [ColumnType.Tiny]: 4,
  [ColumnType.Short]: 6,
  [ColumnType.Int24]: 9,
  [ColumnType.Long]: 11,
  [ColumnType.LongLong]: 20,
  [ColumnType.Float]: 12,
  [ColumnType.Double]: 22,
  [ColumnType.Year]: 4,
  [ColumnType.Date]: 10,
  [ColumnType.Time]: 10,
  [ColumnType.DateTime]: 19,
  [ColumnType.Timestamp]: 19,
  [ColumnType.NewDecimal]: 67,
  [ColumnType.Decimal]: 67,
  [ColumnType.Bit]: 1,
  [ColumnType.TinyBlob]: 255,
  [ColumnType.Blob]: 65535,
  [ColumnType.MediumBlob]: 16777215,
  [ColumnType.LongBlob]: 4294967295,
  [ColumnType.Json]: 4294967295,
  [ColumnType.Geometry]: 4294967295,
};

export function isTextType(t: ColumnType): boolean {
  return (
    t === ColumnType.VarChar ||
    t === ColumnType.VarString ||
    t === ColumnType.String ||
    t === ColumnType.Enum ||
    t === ColumnType.Set ||
    t === ColumnType.Json
  );
}

function isNumericType(t: ColumnType): boolean {
  return (
    t === ColumnType.Tiny ||
    t === ColumnType.Short ||
    t === ColumnType.Int24 ||
    t === ColumnType.Long ||
    t === ColumnType.LongLong ||
    t === ColumnType.Float ||
    t === ColumnType.Double ||
    t === ColumnType.Decimal ||
    t === ColumnType.NewDecimal ||
    t === ColumnType.Year
  );
}

/** Applies the defaults: collation by type, display length, decimals, BINARY / NUM flags. */
export function resolveColumn(def: ColumnDefinition, sessionCollation: number): ResolvedColumn {
  const type = def.type;
  const text = isTextType(type);
  const collation = def.collation ?? (text ? sessionCollation : Collation.BINARY);
  let flags = def.flags ?? 0;
  if (collation === Collation.BINARY && !isNumericType(type)) flags |= ColumnFlag.BINARY;
  if (isNumericType(type)) flags |= ColumnFlag.NUM;
  if (
    type === ColumnType.TinyBlob ||
    type === ColumnType.Blob ||
    type === ColumnType.MediumBlob ||
    type === ColumnType.LongBlob
  ) {
    flags |= ColumnFlag.BLOB;
  }
  const floating = type === ColumnType.Float || type === ColumnType.Double;
  const decimals = def.decimals ?? (floating ? 0x1f : 0);
  const length = def.length ?? DEFAULT_LENGTH[type] ?? (text ? 1024 : 255);
  return { def, type, flags, collation, length, decimals };
}

/** Protocol::ColumnDefinition41. */
export function columnDefinition(c: ResolvedColumn): Buffer {
  const out = new PayloadBuilder(64);
  out.lenencStr('def');
  out.lenencStr(c.def.schema ?? '');
  out.lenencStr(c.def.table ?? '');
  out.lenencStr(c.def.orgTable ?? c.def.table ?? '');
  out.lenencStr(c.def.name);
  out.lenencStr(c.def.orgName ?? c.def.name);
  out.lenenc(0x0c).int2(c.collation).int4(Math.min(c.length, 0xffffffff));
  out.int1(c.type).int2(c.flags).int1(c.decimals).zeros(2);
  return Buffer.from(out.view());
}
