/**
 * A fixed-size set of small integers (operation indexes of one partition), with a string form
 * used as part of the linearizability checker's memoization key.
 */
export class Bitset {
  private readonly words: Uint32Array;

  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  add(i: number): void {
    const w = i >>> 5;
    this.words[w] = (this.words[w] ?? 0) | (1 << (i & 31));
  }

  delete(i: number): void {
    const w = i >>> 5;
    this.words[w] = (this.words[w] ?? 0) & ~(1 << (i & 31));
  }

  /**
   * Two UTF-16 code units per word. Every bitset of one partition has the same length, so the
   * key can be concatenated with a state key without a separator and stay unambiguous.
   */
  key(): string {
    let s = '';
    for (const word of this.words) s += String.fromCharCode(word & 0xffff, word >>> 16);
    return s;
  }
}
