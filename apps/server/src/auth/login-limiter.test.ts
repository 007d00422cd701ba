import { describe, expect, it } from 'vitest';
import type { LoginLimiterOptions } from './login-limiter';
import { defaultLoginLimiterOptions, LoginLimiter } from './login-limiter';

/** A limiter on a clock the test moves by hand. */
function limiterAt(overrides: Partial<Omit<LoginLimiterOptions, 'now'>> = {}) {
  const clock = { ms: 1_000_000 };
  const limiter = new LoginLimiter({
    ...defaultLoginLimiterOptions,
    maxFailures: 3,
    windowMs: 10_000,
    lockoutMs: 30_000,
    lockoutMsMax: 100_000,
    ...overrides,
    now: () => clock.ms,
  });
  const fail = (times: number, name = 'alice', remote = '10.0.0.1') => {
    for (let i = 0; i < times; i++) limiter.recordFailure(name, remote);
  };
  return { clock, limiter, fail };
}

describe('LoginLimiter', () => {
  it('uses the documented defaults', () => {
    expect(defaultLoginLimiterOptions).toEqual({
      maxFailures: 5,
      windowMs: 15 * 60_000,
      lockoutMs: 30_000,
      lockoutMsMax: 15 * 60_000,
      maxTrackedKeys: 10_000,
    });
  });

  it('allows attempts below the limit and locks out at the limit', () => {
    const { limiter, fail } = limiterAt();
    expect(limiter.retryAfterSeconds('alice', '10.0.0.1')).toBe(0);
    fail(2);
    expect(limiter.retryAfterSeconds('alice', '10.0.0.1')).toBe(0);
    fail(1);
    expect(limiter.retryAfterSeconds('alice', '10.0.0.1')).toBe(30);
  });

  it('counts down the lockout in whole seconds, rounding up, and ends it', () => {
    const { clock, limiter, fail } = limiterAt();
    fail(3);
    clock.ms += 10_000;
    expect(limiter.retryAfterSeconds('alice', '10.0.0.1')).toBe(20);
    clock.ms += 19_001;
    expect(limiter.retryAfterSeconds('alice', '10.0.0.1')).toBe(1);
    clock.ms += 999;
    expect(limiter.retryAfterSeconds('alice', '10.0.0.1')).toBe(0);
  });

  it('counts only failures inside the sliding window', () => {
    const { clock, limiter, fail } = limiterAt();
    fail(1);
    clock.ms += 5_000;
    fail(1);
    // The first failure is exactly windowMs old: out of the window.
    clock.ms += 5_000;
    fail(1);
    expect(limiter.retryAfterSeconds('alice', '10.0.0.1')).toBe(0);
    // Two failures (at +5 s and +10 s) are still inside; a third locks.
    clock.ms += 4_999;
    fail(1);
    expect(limiter.retryAfterSeconds('alice', '10.0.0.1')).toBe(30);
  });

  it('starts counting afresh after a lockout', () => {
    const { clock, limiter, fail } = limiterAt();
    fail(3);
    clock.ms += 30_000;
    expect(limiter.retryAfterSeconds('alice', '10.0.0.1')).toBe(0);
    fail(2);
    expect(limiter.retryAfterSeconds('alice', '10.0.0.1')).toBe(0);
  });

  it('doubles each further lockout up to the cap', () => {
    const { clock, limiter, fail } = limiterAt();
    const lockouts: number[] = [];
    for (let i = 0; i < 5; i++) {
      fail(3);
      const wait = limiter.retryAfterSeconds('alice', '10.0.0.1');
      lockouts.push(wait);
      clock.ms += wait * 1000;
    }
    expect(lockouts).toEqual([30, 60, 100, 100, 100]);
  });

  it('resets failures and the lockout doubling on success', () => {
    const { clock, limiter, fail } = limiterAt();
    fail(3);
    clock.ms += 30_000;
    fail(3);
    expect(limiter.retryAfterSeconds('alice', '10.0.0.1')).toBe(60);
    clock.ms += 60_000;
    limiter.recordSuccess('alice', '10.0.0.1');
    fail(2);
    expect(limiter.retryAfterSeconds('alice', '10.0.0.1')).toBe(0);
    fail(1);
    // Back to the first lockout length, not 120 s.
    expect(limiter.retryAfterSeconds('alice', '10.0.0.1')).toBe(30);
  });

  it('clears failures below the limit on success', () => {
    const { limiter, fail } = limiterAt();
    fail(2);
    limiter.recordSuccess('alice', '10.0.0.1');
    fail(2);
    expect(limiter.retryAfterSeconds('alice', '10.0.0.1')).toBe(0);
  });

  it('counts per login name, case-insensitively, across addresses', () => {
    const { limiter } = limiterAt();
    limiter.recordFailure('alice', '10.0.0.1');
    limiter.recordFailure('Alice', '10.0.0.2');
    limiter.recordFailure('ALICE', '10.0.0.3');
    expect(limiter.retryAfterSeconds('alice', '10.0.0.99')).toBe(30);
    expect(limiter.retryAfterSeconds('AliCe', '10.0.0.98')).toBe(30);
    expect(limiter.retryAfterSeconds('bob', '10.0.0.97')).toBe(0);
  });

  it('counts per remote address across login names', () => {
    const { limiter } = limiterAt();
    limiter.recordFailure('a', '192.0.2.1');
    limiter.recordFailure('b', '192.0.2.1');
    limiter.recordFailure('c', '192.0.2.1');
    expect(limiter.retryAfterSeconds('dave', '192.0.2.1')).toBe(30);
    expect(limiter.retryAfterSeconds('dave', '192.0.2.2')).toBe(0);
  });

  it('keeps the longer wait when both the name and the address are locked', () => {
    const { clock, limiter } = limiterAt();
    for (let i = 0; i < 3; i++) limiter.recordFailure('eve', `198.51.100.${i}`);
    clock.ms += 20_000;
    for (let i = 0; i < 3; i++) limiter.recordFailure(`user${i}`, '203.0.113.5');
    // eve is locked for 10 s more, the address for 30 s.
    expect(limiter.retryAfterSeconds('eve', '198.51.100.200')).toBe(10);
    expect(limiter.retryAfterSeconds('eve', '203.0.113.5')).toBe(30);
  });

  it('bounds the number of tracked keys without letting a spray wash a lockout away', () => {
    const { limiter } = limiterAt({ maxTrackedKeys: 4 });
    const entries = (): Map<string, unknown> => limiter['entries'];
    limiter.recordFailure('first', '10.1.0.1');
    limiter.recordFailure('first', '10.1.0.1');
    limiter.recordFailure('first', '10.1.0.1');
    expect(limiter.retryAfterSeconds('first', '10.9.9.9')).toBe(30);
    for (let i = 0; i < 1000; i++) limiter.recordFailure(`spray${i}`, `10.2.${i >> 8}.${i & 255}`);
    expect(entries().size).toBeLessThanOrEqual(4);
    // Keys that are not locked out are evicted first: the lockout of 'first' survives.
    expect(limiter.retryAfterSeconds('first', '10.9.9.9')).toBe(30);
    expect(limiter.retryAfterSeconds('other', '10.1.0.1')).toBe(30);
    // The newest keys are still tracked.
    expect([...entries().keys()]).toContain('name:spray999');
  });

  it('drops the oldest key when every tracked key is locked out', () => {
    const { limiter } = limiterAt({ maxTrackedKeys: 2, maxFailures: 1 });
    const entries = (): Map<string, unknown> => limiter['entries'];
    limiter.recordFailure('a', '10.0.0.1');
    limiter.recordFailure('b', '10.0.0.2');
    expect(entries().size).toBe(2);
    expect([...entries().keys()]).toEqual(['name:b', 'addr:10.0.0.2']);
  });
});
