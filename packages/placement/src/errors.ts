/**
 * The one error type of this package. Placement is pure, so every error here is a caller's
 * mistake (a bad argument, an unknown slice), never an operating condition.
 */
export type PlacementErrorCode = 'invalid-argument' | 'unknown-slice' | 'invalid-placement';

export class PlacementError extends Error {
  override readonly name = 'PlacementError';

  constructor(
    readonly code: PlacementErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
