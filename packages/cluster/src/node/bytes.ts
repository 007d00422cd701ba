import type { Mutation } from '@tessera/storage';
import { invariant } from './errors';

/**
 * A growable big-endian byte writer and a bounds-checked reader: the building blocks of this
 * package's explicit binary formats (Raft entry commands, node messages). Every read checks
 * that the bytes are there, so truncated input fails as a ClusterInvariantError, never as a
 * silent wrong value.
 */
export class ByteWriter {
  private buf = new Uint8Array(64);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }

  u32(v: number): void {
    invariant(Number.isInteger(v) && v >= 0 && v <= 0xffffffff, () => `u32 out of range: ${v}`);
    this.reserve(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
  }

  u64(v: number): void {
    invariant(Number.isSafeInteger(v) && v >= 0, () => `u64 must be a safe integer ≥ 0: ${v}`);
    this.reserve(8);
    this.view.setUint32(this.pos, Math.floor(v / 0x1_0000_0000));
    this.view.setUint32(this.pos + 4, v >>> 0);
    this.pos += 8;
  }

  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }

  optU64(v: number | undefined): void {
    this.u8(v === undefined ? 0 : 1);
    if (v !== undefined) this.u64(v);
  }

  bytes(v: Uint8Array): void {
    this.u32(v.length);
    this.reserve(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  optBytes(v: Uint8Array | undefined): void {
    this.u8(v === undefined ? 0 : 1);
    if (v !== undefined) this.bytes(v);
  }

  mutation(m: Mutation): void {
    if (m.op === 'delete') {
      this.u8(0);
    } else {
      this.u8(1);
      this.bytes(m.value);
    }
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

export class ByteReader {
  private readonly view: DataView;
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.pos++);
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): number {
    this.need(8);
    const v = this.view.getUint32(this.pos) * 0x1_0000_0000 + this.view.getUint32(this.pos + 4);
    this.pos += 8;
    invariant(Number.isSafeInteger(v), () => `u64 ${v} is not a safe integer`);
    return v;
  }

  optU64(): number | undefined {
    return this.flag() ? this.u64() : undefined;
  }

  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    // A copy into a plain Uint8Array: the entry's buffer must not be pinned by every key that
    // outlives it. Not `.slice()`: on a Node Buffer (what a socket hands over) that is a view.
    const out = new Uint8Array(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  optBytes(): Uint8Array | undefined {
    return this.flag() ? this.bytes() : undefined;
  }

  mutation(): Mutation {
    return this.flag() ? { op: 'put', value: this.bytes() } : { op: 'delete' };
  }

  done(): boolean {
    return this.pos === this.buf.length;
  }

  remaining(): number {
    return this.buf.length - this.pos;
  }

  bool(): boolean {
    return this.flag();
  }

  private flag(): boolean {
    const f = this.u8();
    invariant(f === 0 || f === 1, () => `bad flag byte ${f}`);
    return f === 1;
  }

  private need(n: number): void {
    invariant(this.pos + n <= this.buf.length, () => `entry truncated at byte ${this.pos}`);
  }
}
