import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { PayloadBuilder, PayloadReader } from './buffer';
import { ColumnType, MAX_PACKET_CHUNK } from './constants';
import {
  Sha2AuthCache,
  nativeCredential,
  sha2Credential,
  sha2FastAuthDigest,
  verifyNative,
  verifySha2Password,
  verifySha2Scramble,
} from './credentials';
import { ProtocolError } from './errors';
import { PacketChannel } from './framing';
import { formatDouble, formatFloat, textBytes } from './values';
import { dateTime, time } from './values';

/** A channel whose writes come back as its reads. */
function loopback(max = 1 << 30): PacketChannel {
  return new PacketChannel(new PassThrough(), max);
}

describe('framing', () => {
  it.each([
    0,
    1,
    MAX_PACKET_CHUNK - 1,
    MAX_PACKET_CHUNK,
    MAX_PACKET_CHUNK + 5,
    2 * MAX_PACKET_CHUNK,
  ])(
    'a payload of %i bytes round-trips (split at 0xFFFFFF, empty trailer on exact multiples)',
    async (size) => {
      const channel = loopback();
      const payload = Buffer.alloc(size, 7);
      const chunks = Math.floor(size / MAX_PACKET_CHUNK) + 1;
      channel.queue(payload);
      expect(channel.queuedBytes).toBe(size + 4 * chunks);
      const writtenSeq = channel.seq;
      expect(writtenSeq).toBe(chunks & 0xff);
      const flushing = channel.flush(); // resolves once the reader drained the loopback
      const packet = await channel.read();
      await flushing;
      expect(packet.payload.length).toBe(size);
      expect(packet.seq).toBe(chunks - 1);
    },
    20_000,
  );

  it('refuses a header announcing more than the maximum before its bytes arrive', async () => {
    const stream = new PassThrough();
    const channel = new PacketChannel(stream, 1000);
    stream.write(Buffer.from([0xe9, 0x03, 0x00, 0x00])); // 1001 bytes announced
    await expect(channel.read()).rejects.toMatchObject({ mysql: { code: 1153 } });
  });

  it('reassembles packets delivered a byte at a time', async () => {
    const stream = new PassThrough();
    const channel = new PacketChannel(stream, 1000);
    const reading = channel.read();
    for (const b of [3, 0, 0, 0, 1, 2, 3]) stream.write(Buffer.from([b]));
    expect((await reading).payload).toEqual(Buffer.from([1, 2, 3]));
  });
});

describe('payloads', () => {
  it('length-encoded integers use 1, 3, 4 or 9 bytes', () => {
    for (const [n, bytes] of [
      [0, 1],
      [250, 1],
      [251, 3],
      [0xffff, 3],
      [0x10000, 4],
      [0xffffff, 4],
      [0x1000000, 9],
    ] as const) {
      const b = new PayloadBuilder().lenenc(n).view();
      expect(b.length).toBe(bytes);
      expect(new PayloadReader(Buffer.from(b)).lenenc()).toBe(n);
    }
  });

  it('a truncated field is a ProtocolError, not a RangeError', () => {
    const r = new PayloadReader(Buffer.from([0xfc, 1]));
    expect(() => r.lenenc()).toThrow(ProtocolError);
    expect(() => new PayloadReader(Buffer.from('abc')).nulBytes()).toThrow(ProtocolError);
  });
});

describe('values', () => {
  const text = (v: Parameters<typeof textBytes>[0], type: ColumnType, decimals = 0): string =>
    Buffer.from(textBytes(v, { type, flags: 0, decimals })).toString();

  it('prints floats and doubles like MySQL', () => {
    expect(formatDouble(1e21)).toBe('1e21');
    expect(formatDouble(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(formatFloat(1.1)).toBe('1.1');
    expect(text(Math.fround(3.3), ColumnType.Float)).toBe('3.3');
  });

  it('prints temporal values with the column decimals', () => {
    expect(text(dateTime(2024, 1, 2, 3, 4, 5, 60), ColumnType.DateTime, 6)).toBe(
      '2024-01-02 03:04:05.000060',
    );
    expect(text(dateTime(2024, 1, 2, 3, 4, 5, 60), ColumnType.DateTime)).toBe(
      '2024-01-02 03:04:05',
    );
    expect(text(dateTime(2024, 1, 2), ColumnType.Date)).toBe('2024-01-02');
    expect(text(time(true, 100, 2, 3, 400000), ColumnType.Time, 1)).toBe('-100:02:03.4');
  });
});

describe('credentials', () => {
  it('mysql_native_password matches MySQL (PASSWORD("password"))', () => {
    expect(nativeCredential('password')).toBe('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19');
    expect(verifyNative('', Buffer.alloc(20), Buffer.alloc(0))).toBe(true);
    expect(verifyNative(nativeCredential('x'), Buffer.alloc(20), Buffer.alloc(0))).toBe(false);
  });

  it('caching_sha2: scrypt for full authentication, the cached digest for fast authentication', async () => {
    const cost = { N: 1024, r: 8, p: 1 };
    const credential = await sha2Credential('secret', randomBytes(16), cost);
    expect(credential).toMatch(/^\$scrypt\$N=1024,r=8,p=1\$/);
    expect(await verifySha2Password(credential, Buffer.from('secret'))).toBe(true);
    expect(await verifySha2Password(credential, Buffer.from('Secret'))).toBe(false);
    expect(await verifySha2Password('garbage', Buffer.from('secret'))).toBe(false);

    const digest = sha2FastAuthDigest(Buffer.from('secret'));
    const scramble = randomBytes(20);
    const { createHash } = await import('node:crypto');
    const sha256 = (...p: Buffer[]): Buffer =>
      p.reduce((h, b) => h.update(b), createHash('sha256')).digest();
    const stage1 = sha256(Buffer.from('secret'));
    const token = Buffer.from(stage1.map((b, i) => b ^ (sha256(sha256(stage1), scramble)[i] ?? 0)));
    expect(verifySha2Scramble(digest, scramble, token)).toBe(true);
    expect(verifySha2Scramble(digest, randomBytes(20), token)).toBe(false);

    const cache = new Sha2AuthCache(2);
    cache.set('u', 'h', credential, digest);
    expect(cache.get('u', 'h', credential)).toBe(digest);
    expect(cache.get('u', 'h', 'another credential')).toBeUndefined(); // password changed
    expect(cache.get('u', 'h', credential)).toBeUndefined(); // and forgotten
    for (const user of ['a', 'b', 'c']) cache.set(user, 'h', credential, digest);
    expect(cache.size).toBe(2);
  });
});
