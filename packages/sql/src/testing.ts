// Test helpers shared by the test files (not exported from the package).

/** A deep copy without `pos` and select-item `source`, which legitimately differ after printing. */
export function stripPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripPositions);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (key === 'pos' || (key === 'source' && typeof v === 'string')) continue;
      out[key] = stripPositions(v);
    }
    return out;
  }
  return value;
}
