// "Now" as the functions see it: the statement's clock reading in the session time zone.

import type { EvalContext } from './context.js';
import { type DateTimeParts, partsFromEpochMicros } from './temporal.js';

/** Local wall-clock time of the statement (NOW()). */
export function nowLocal(ctx: EvalContext): DateTimeParts {
  return partsFromEpochMicros(ctx.nowMicros, ctx.timeZoneOffsetSeconds);
}

/** UTC wall-clock time of the statement (UTC_TIMESTAMP()). */
export function nowUtc(ctx: EvalContext): DateTimeParts {
  return partsFromEpochMicros(ctx.nowMicros, 0);
}

/** Today's date, local (CURDATE()). */
export function today(ctx: EvalContext): DateTimeParts {
  const n = nowLocal(ctx);
  return { ...n, hour: 0, minute: 0, second: 0, micro: 0 };
}
