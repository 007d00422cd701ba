import { StorageError } from '../errors';

/**
 * LMDB's maximum key size at lmdb-js's default 4 KiB page size (MDB_MAXKEYSIZE is derived from
 * the page size; 4026 bytes with 8 KiB pages). Both engines enforce the same limit so that the
 * simulator rejects exactly what production rejects.
 */
export const defaultMaxKeyBytes = 1978;

/** Throws StorageError('KEY_TOO_LARGE') for an empty key or one over `maxKeyBytes`. */
export function checkKeySize(key: Uint8Array, maxKeyBytes: number): void {
  if (key.length === 0 || key.length > maxKeyBytes) {
    throw new StorageError(
      'KEY_TOO_LARGE',
      `key of ${key.length} bytes is outside 1..${maxKeyBytes} bytes`,
    );
  }
}
