/**
 * Building and reading packet payloads: fixed-width little-endian integers, length-encoded
 * integers and strings, NUL-terminated strings. The reader never reads past the payload: a
 * truncated field is a {@link ProtocolError}, never an exception from Buffer.
 */
import { ProtocolError } from './errors';

const NULL_MARKER = 0xfb;

/** A growable byte buffer for one or more payloads. */
export class PayloadBuilder {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int1(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  int2(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16LE(v & 0xffff, this.pos);
    this.pos += 2;
    return this;
  }
  int3(v: number): this {
    this.ensure(3);
    this.buf.writeUIntLE(v & 0xffffff, this.pos, 3);
    this.pos += 3;
    return this;
  }
  int4(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }
  int8(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
    return this;
  }
  float4(v: number): this {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.pos);
    this.pos += 4;
    return this;
  }
  float8(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
    return this;
  }
  /** A length-encoded integer (1, 3, 4 or 9 bytes). */
  lenenc(v: number | bigint): this {
    const n = BigInt(v);
    if (n < 0n) throw new Error('length-encoded integers are unsigned');
    if (n < 251n) return this.int1(Number(n));
    if (n < 0x10000n) return this.int1(0xfc).int2(Number(n));
    if (n < 0x1000000n) return this.int1(0xfd).int3(Number(n));
    return this.int1(0xfe).int8(n);
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }
  /** A string without terminator (the rest of the packet). */
  str(s: string): this {
    const len = Buffer.byteLength(s);
    this.ensure(len);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += len;
    return this;
  }
  strNul(s: string): this {
    return this.str(s).int1(0);
  }
  lenencBytes(b: Uint8Array): this {
    return this.lenenc(b.length).bytes(b);
  }
  lenencStr(s: string): this {
    const len = Buffer.byteLength(s);
    this.lenenc(len);
    this.ensure(len);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += len;
    return this;
  }
  nullMarker(): this {
    return this.int1(NULL_MARKER);
  }
  /** Overwrites one byte already written (for null bitmaps filled after the fact). */
  setByte(at: number, v: number): void {
    if (at >= this.pos) throw new Error('setByte past the end');
    this.buf[at] = v;
  }
  orByte(at: number, v: number): void {
    const old = this.buf[at];
    if (old === undefined || at >= this.pos) throw new Error('orByte past the end');
    this.buf[at] = old | v;
  }
  /** The bytes written so far (a view; copy it if the builder is reused). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
  reset(): void {
    this.pos = 0;
  }
}

/** A cursor over one payload. */
export class PayloadReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  atEnd(): boolean {
    return this.pos >= this.buf.length;
  }
  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw ProtocolError.malformed(`truncated ${what}`);
  }
  int1(): number {
    this.need(1, 'int<1>');
    return this.buf.readUInt8(this.pos++);
  }
  peek(): number | undefined {
    return this.buf[this.pos];
  }
  int2(): number {
    this.need(2, 'int<2>');
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  int3(): number {
    this.need(3, 'int<3>');
    const v = this.buf.readUIntLE(this.pos, 3);
    this.pos += 3;
    return v;
  }
  int4(): number {
    this.need(4, 'int<4>');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  sint1(): number {
    this.need(1, 'int<1>');
    return this.buf.readInt8(this.pos++);
  }
  sint2(): number {
    this.need(2, 'int<2>');
    const v = this.buf.readInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  sint4(): number {
    this.need(4, 'int<4>');
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  int8(): bigint {
    this.need(8, 'int<8>');
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  sint8(): bigint {
    this.need(8, 'int<8>');
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  float4(): number {
    this.need(4, 'float');
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }
  float8(): number {
    this.need(8, 'double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  /** A length-encoded integer; `null` for the 0xFB NULL marker. */
  lenencOrNull(): number | null {
    const first = this.int1();
    if (first < 0xfb) return first;
    if (first === 0xfb) return null;
    if (first === 0xfc) return this.int2();
    if (first === 0xfd) return this.int3();
    if (first === 0xfe) {
      const v = this.int8();
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw ProtocolError.malformed('length too large');
      return Number(v);
    }
    throw ProtocolError.malformed('bad length-encoded integer');
  }
  lenenc(): number {
    const v = this.lenencOrNull();
    if (v === null) throw ProtocolError.malformed('unexpected NULL');
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n, 'bytes');
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  skip(n: number): void {
    this.need(n, 'filler');
    this.pos += n;
  }
  rest(): Buffer {
    const v = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return v;
  }
  lenencBytes(): Buffer {
    return this.bytes(this.lenenc());
  }
  /** A NUL-terminated byte string; the NUL is consumed, and its absence is an error. */
  nulBytes(): Buffer {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw ProtocolError.malformed('unterminated string');
    const v = this.buf.subarray(this.pos, end);
    this.pos = end + 1;
    return v;
  }
  /** Like {@link nulBytes} but a missing NUL ends the string at the end of the payload. */
  nulBytesLenient(): Buffer {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) return this.rest();
    const v = this.buf.subarray(this.pos, end);
    this.pos = end + 1;
    return v;
  }
  nulStr(): string {
    return this.nulBytes().toString('utf8');
  }
}
