/**
 * A per-peer FIFO of encoded frames waiting for a connection or for the socket to drain.
 * Bounded in frames and in bytes: beyond either bound the *oldest* frames are dropped (the
 * newest message is the one most likely to matter — a fresher heartbeat, a later log append),
 * and the caller counts them. The newest frame is always kept, even if it alone exceeds the
 * byte bound, so that one large message can still be sent.
 */
export class FrameQueue {
  private items: Uint8Array[] = [];
  private head = 0;
  private queuedBytes = 0;

  constructor(
    private readonly maxFrames: number,
    private readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.queuedBytes;
  }

  /** Appends `frame`; returns how many old frames were dropped to stay within the bounds. */
  push(frame: Uint8Array): number {
    this.items.push(frame);
    this.queuedBytes += frame.length;
    let dropped = 0;
    while (this.length > this.maxFrames || (this.queuedBytes > this.maxBytes && this.length > 1)) {
      this.shift();
      dropped++;
    }
    return dropped;
  }

  shift(): Uint8Array | undefined {
    const frame = this.items[this.head];
    if (frame === undefined) return undefined;
    this.items[this.head] = empty; // release the reference now, not at compaction
    this.head++;
    this.queuedBytes -= frame.length;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return frame;
  }

  /** Empties the queue; returns how many frames it held. */
  clear(): number {
    const n = this.length;
    this.items = [];
    this.head = 0;
    this.queuedBytes = 0;
    return n;
  }
}

const empty = new Uint8Array(0);
