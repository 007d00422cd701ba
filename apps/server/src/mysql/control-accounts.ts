import type { CatalogAccount } from '@tessera/cluster';
import type { AccountSource, StoredAccount } from '@tessera/gateway';
import type { ControlStateCache } from './control-state-cache';

/**
 * MySQL accounts from the control plane's catalog. Each login asks for the current state (so
 * CREATE USER / a password change applies to the next login); the account list is rebuilt
 * only when the state's version moved.
 */
export class ControlAccountSource implements AccountSource {
  private version = -1;
  private list: readonly StoredAccount[] = [];

  constructor(private readonly state: ControlStateCache) {}

  async accounts(): Promise<readonly StoredAccount[]> {
    const snapshot = await this.state.current();
    if (snapshot.version !== this.version) {
      this.list = (snapshot.catalog?.accounts ?? []).map(storedAccount);
      this.version = snapshot.version;
    }
    return this.list;
  }
}

function storedAccount(a: CatalogAccount): StoredAccount {
  return { user: a.user, host: a.host, plugin: a.plugin, credential: a.credential };
}
