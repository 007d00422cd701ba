import type { ControlClient, ControlSnapshot } from '@tessera/cluster';
import { ControlCallError } from '@tessera/cluster';

/** The control plane could not be asked (no leader in time); the client sees 1105 with this. */
export class ControlPlaneUnavailableError extends Error {
  override readonly name = 'ControlPlaneUnavailableError';
  constructor(what: string, cause: ControlCallError) {
    super(
      cause.kind === 'ambiguous'
        ? `the control plane did not confirm ${what} (${cause.lastCode}); it may or may not have been applied`
        : `the control plane is unavailable for ${what} (${cause.lastCode}): ${cause.message}`,
      { cause },
    );
  }
}

/** Runs a control-plane call, turning "no serving leader in time" into a clear error. */
export async function askControlPlane<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ControlCallError) throw new ControlPlaneUnavailableError(what, error);
    throw error;
  }
}

/**
 * The control plane's state as this process last saw it. `current()` asks the leader for
 * anything newer than the cached version (an unchanged state costs one round trip and no
 * transfer), so a reader always sees every change applied before it asked.
 */
export class ControlStateCache {
  private last: ControlSnapshot | undefined;

  constructor(private readonly control: ControlClient) {}

  async current(): Promise<ControlSnapshot> {
    const known = this.last;
    const fresh = await askControlPlane('reading the catalog', () =>
      this.control.state(known?.version ?? -1),
    );
    // Versions only grow; a concurrent caller may already have stored a newer state.
    if (fresh !== undefined && (this.last === undefined || fresh.version > this.last.version)) {
      this.last = fresh;
    }
    if (this.last === undefined) throw new Error('the control plane answered no state');
    return this.last;
  }

  /** The last state seen, without asking. */
  get cached(): ControlSnapshot | undefined {
    return this.last;
  }
}
