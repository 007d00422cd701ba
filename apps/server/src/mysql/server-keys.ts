import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GeneratedServerKeys } from '@tessera/gateway';
import { generateServerKeys } from '@tessera/gateway';

/** MySQL's own file names (its data directory holds the same four). */
const files = {
  tlsCert: 'server-cert.pem',
  tlsKey: 'server-key.pem',
  rsaPrivateKey: 'private_key.pem',
  rsaPublicKey: 'public_key.pem',
} as const;

const secret: ReadonlySet<keyof typeof files> = new Set(['tlsKey', 'rsaPrivateKey']);

export interface LoadedServerKeys {
  readonly keys: GeneratedServerKeys;
  readonly dir: string;
  /** True on the start that generated them. */
  readonly generated: boolean;
}

async function readAll(dir: string): Promise<GeneratedServerKeys | undefined> {
  try {
    const [tlsCert, tlsKey, rsaPrivateKey, rsaPublicKey] = await Promise.all(
      (['tlsCert', 'tlsKey', 'rsaPrivateKey', 'rsaPublicKey'] as const).map((k) =>
        readFile(join(dir, files[k]), 'utf8'),
      ),
    );
    if (tlsCert && tlsKey && rsaPrivateKey && rsaPublicKey) {
      return { tlsCert, tlsKey, rsaPrivateKey, rsaPublicKey };
    }
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The MySQL listener's TLS certificate and RSA key pair, under <data-dir>/mysql-tls/: read
 * when all four files exist, otherwise generated (self-signed) and written — private keys
 * with mode 0600 — so that clients that pinned the certificate or the RSA public key keep
 * working across restarts.
 */
export async function loadOrCreateServerKeys(dataDir: string): Promise<LoadedServerKeys> {
  const dir = join(dataDir, 'mysql-tls');
  const existing = await readAll(dir);
  if (existing !== undefined) return { keys: existing, dir, generated: false };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const keys = await generateServerKeys();
  for (const name of Object.keys(files) as (keyof typeof files)[]) {
    await writeFile(join(dir, files[name]), keys[name], {
      mode: secret.has(name) ? 0o600 : 0o644,
    });
  }
  return { keys, dir, generated: true };
}
