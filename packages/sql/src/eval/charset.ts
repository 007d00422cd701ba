// Character sets Tessera knows, and the collation each defaults to.

import { type Collation, collations } from '../encoding/key-codec.js';
import { SqlEvalError } from './errors.js';

const DEFAULT_COLLATIONS: Readonly<Record<string, Collation>> = {
  utf8mb4: collations.utf8mb4_0900_ai_ci,
  utf8mb3: collations.utf8mb3_general_ci,
  utf8: collations.utf8mb3_general_ci,
  latin1: collations.latin1_swedish_ci,
  ascii: collations.latin1_swedish_ci,
  binary: collations.binary,
};

/** The default collation of a character set; 1115 for an unknown one. */
export function charsetCollation(charset: string): Collation {
  const c = DEFAULT_COLLATIONS[charset.toLowerCase()];
  if (c === undefined)
    throw new SqlEvalError('unknownCharset', `Unknown character set: '${charset}'`);
  return c;
}
