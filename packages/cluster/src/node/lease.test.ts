import { describe, expect, it } from 'vitest';
import { LeaderLease } from './lease';

describe('LeaderLease', () => {
  it('runs from the quorum-th newest acknowledged send time, the leader counting as now', () => {
    const lease = new LeaderLease(200);
    lease.resetForTerm(3);
    expect(lease.expiresAtMs(1, [1, 2, 3], 1_000)).toBeUndefined();
    lease.recordAck(3, 2, 900);
    expect(lease.expiresAtMs(1, [1, 2, 3], 1_000)).toBe(1_100);
    lease.recordAck(3, 3, 950);
    expect(lease.expiresAtMs(1, [1, 2, 3], 1_000)).toBe(1_150);
    // Five members: the leader and the two newest acks make the quorum.
    lease.recordAck(3, 4, 500);
    lease.recordAck(3, 5, 990);
    expect(lease.expiresAtMs(1, [1, 2, 3, 4, 5], 1_000)).toBe(1_150);
  });

  it('keeps only the newest ack per member and ignores other terms', () => {
    const lease = new LeaderLease(100);
    lease.resetForTerm(5);
    lease.recordAck(5, 2, 700);
    lease.recordAck(5, 2, 600); // a late duplicate does not move the lease back
    lease.recordAck(4, 3, 990); // from an older term: ignored
    expect(lease.expiresAtMs(1, [1, 2, 3], 1_000)).toBe(800);
    lease.resetForTerm(6);
    expect(lease.expiresAtMs(1, [1, 2, 3], 1_000)).toBeUndefined();
  });

  it('a leader alone in its group holds the lease by itself', () => {
    const lease = new LeaderLease(100);
    lease.resetForTerm(1);
    expect(lease.expiresAtMs(1, [1], 50)).toBe(150);
  });
});
