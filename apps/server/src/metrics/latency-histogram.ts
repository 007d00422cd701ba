/**
 * Statement latencies of one sampling window, as a log-bucket histogram: fixed memory and O(1)
 * per statement whatever the rate, where exact percentiles would have to keep (or sample)
 * every duration of the window.
 *
 * Buckets are `bucketsPerOctave` (16) per doubling of the duration in microseconds, so a
 * bucket spans a factor of 2^(1/16) ≈ 1.044. A percentile is the geometric middle of the
 * bucket holding its rank, clamped to the exact minimum and maximum of the window: at most
 * ±2.2 % off the true value, and exact when one duration (or all equal ones) fill the window.
 * Durations below 1 µs count as 1 µs; above 2^40 µs (12.7 days), as that.
 */
const bucketsPerOctave = 16;
const octaves = 40;
const bucketCount = bucketsPerOctave * octaves + 1;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(bucketCount);
  private total = 0;
  private minMicros = Infinity;
  private maxMicros = 0;

  get count(): number {
    return this.total;
  }

  record(durationMicros: number): void {
    const micros = Math.min(Math.max(durationMicros, 1), 2 ** octaves);
    const bucket = Math.floor(Math.log2(micros) * bucketsPerOctave);
    const at = Math.min(bucket, bucketCount - 1);
    this.counts[at] = (this.counts[at] ?? 0) + 1;
    this.total++;
    if (micros < this.minMicros) this.minMicros = micros;
    if (micros > this.maxMicros) this.maxMicros = micros;
  }

  /**
   * The `q` quantile (0 < q ≤ 1) in ms by nearest rank — the smallest duration at least
   * q × count of the window's durations do not exceed — or null for an empty window.
   */
  quantileMs(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let bucket = 0; bucket < bucketCount; bucket++) {
      seen += this.counts[bucket] ?? 0;
      if (seen < rank) continue;
      const middle = 2 ** ((bucket + 0.5) / bucketsPerOctave);
      return Math.min(Math.max(middle, this.minMicros), this.maxMicros) / 1000;
    }
    return this.maxMicros / 1000;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.minMicros = Infinity;
    this.maxMicros = 0;
  }
}
