/**
 * Slows down password guessing. Failures are counted per login name and per remote address
 * in a sliding window; `maxFailures` of them lock the key out, and attempts are then refused
 * (without checking the password) until the lockout ends. Each further lockout of the same key
 * lasts twice as long as the one before, up to `lockoutMsMax`. A success clears the key.
 * State is in memory: a restart forgets it, which is acceptable for a console store. When the
 * table is full, keys that are not locked out are evicted first, so a spray of new names or
 * addresses cannot wash a lockout away.
 */
export interface LoginLimiterOptions {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockoutMs: number;
  readonly lockoutMsMax: number;
  /** Bounds memory under a spray of distinct names or addresses. */
  readonly maxTrackedKeys: number;
  readonly now: () => number;
}

interface Entry {
  failuresAtMs: number[];
  lockedUntilMs: number;
  lockouts: number;
}

export const defaultLoginLimiterOptions: Omit<LoginLimiterOptions, 'now'> = {
  maxFailures: 5,
  windowMs: 15 * 60_000,
  lockoutMs: 30_000,
  lockoutMsMax: 15 * 60_000,
  maxTrackedKeys: 10_000,
};

export class LoginLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: LoginLimiterOptions) {}

  /** Seconds to wait before another attempt is allowed, or 0. */
  retryAfterSeconds(loginName: string, remote: string): number {
    const now = this.options.now();
    let waitMs = 0;
    for (const key of keys(loginName, remote)) {
      const entry = this.entries.get(key);
      if (entry && entry.lockedUntilMs > now) waitMs = Math.max(waitMs, entry.lockedUntilMs - now);
    }
    return Math.ceil(waitMs / 1000);
  }

  recordFailure(loginName: string, remote: string): void {
    const now = this.options.now();
    for (const key of keys(loginName, remote)) {
      const entry = this.entry(key);
      entry.failuresAtMs = entry.failuresAtMs.filter((t) => now - t < this.options.windowMs);
      entry.failuresAtMs.push(now);
      if (entry.failuresAtMs.length >= this.options.maxFailures) {
        const lockMs = Math.min(
          this.options.lockoutMs * 2 ** entry.lockouts,
          this.options.lockoutMsMax,
        );
        entry.lockouts += 1;
        entry.lockedUntilMs = now + lockMs;
        entry.failuresAtMs = [];
      }
    }
  }

  recordSuccess(loginName: string, remote: string): void {
    for (const key of keys(loginName, remote)) this.entries.delete(key);
  }

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      if (this.entries.size >= this.options.maxTrackedKeys) this.evictOldest();
      entry = { failuresAtMs: [], lockedUntilMs: 0, lockouts: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private evictOldest(): void {
    const now = this.options.now();
    for (const [key, entry] of this.entries) {
      if (entry.lockedUntilMs <= now) {
        this.entries.delete(key);
        return;
      }
    }
    // Every tracked key is locked out: drop the oldest rather than grow without bound.
    const oldest = this.entries.keys().next();
    if (oldest.done !== true) this.entries.delete(oldest.value);
  }
}

function keys(loginName: string, remote: string): [string, string] {
  return [`name:${loginName.toLowerCase()}`, `addr:${remote}`];
}
