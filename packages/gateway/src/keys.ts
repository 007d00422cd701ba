/**
 * Key material for a fresh deployment: a self-signed TLS certificate and an RSA key pair for
 * caching_sha2_password's key exchange. This is the gateway's one host-side helper: key
 * generation draws on the operating system's randomness, so the app calls it once on first
 * start, persists the result under the data dir, and passes it to {@link MysqlServer} as
 * `keys`. The server itself never generates keys.
 */
import { generateKeyPairSync } from 'node:crypto';

import { generate } from 'selfsigned';

import type { ServerKeys } from './protocol/server';

export interface GeneratedServerKeys extends ServerKeys {
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly rsaPrivateKey: string;
  readonly rsaPublicKey: string;
}

export async function generateServerKeys(
  options: { commonName?: string } = {},
): Promise<GeneratedServerKeys> {
  const commonName = options.commonName ?? 'Tessera_Auto_Generated_Server_Certificate';
  const cert = await generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    algorithm: 'sha256',
  });
  const rsa = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    tlsCert: cert.cert,
    tlsKey: cert.private,
    rsaPrivateKey: rsa.privateKey,
    rsaPublicKey: rsa.publicKey,
  };
}
