/**
 * The newest `capacity` items pushed, oldest dropped first: the recorder's samples and events
 * (a limit on every buffer — the server runs for months).
 */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  /** Where the next push goes. */
  private head = 0;
  private length = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`a ring holds at least one item, not ${capacity}`);
    }
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.length;
  }

  push(item: T): void {
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
    this.length = Math.min(this.length + 1, this.capacity);
  }

  /** The item `back` places before the newest (0: the newest), or undefined. */
  fromNewest(back: number): T | undefined {
    if (back < 0 || back >= this.length) return undefined;
    return this.items[(this.head - 1 - back + 2 * this.capacity) % this.capacity];
  }

  /** The items oldest first, from the first (oldest) one `keep` accepts on. */
  oldestFirstFrom(keep: (item: T) => boolean): T[] {
    const out: T[] = [];
    // Scan back from the newest while `keep` holds: callers ask for a recent tail.
    let back = 0;
    for (; back < this.length; back++) {
      const item = this.fromNewest(back);
      if (item === undefined || !keep(item)) break;
    }
    for (let i = back - 1; i >= 0; i--) {
      const item = this.fromNewest(i);
      if (item !== undefined) out.push(item);
    }
    return out;
  }
}
