import type { AuditOutcome, AuditService } from '@tessera/api';
import type { ConsoleDb } from './console-db';

const outcomes: readonly AuditOutcome[] = ['ok', 'denied', 'failed'];

function asOutcome(value: string): AuditOutcome {
  const found = outcomes.find((o) => o === value);
  if (found === undefined) throw new Error(`audit row with unknown outcome '${value}'`);
  return found;
}

export function createAuditService(db: ConsoleDb): AuditService {
  return {
    async record(event) {
      await db.auditEvent.create({ data: event });
    },
    async list(query) {
      const rows = await db.auditEvent.findMany({
        where: {
          ...(query.beforeId !== undefined ? { id: { lt: query.beforeId } } : {}),
          ...(query.actor ? { actor: query.actor } : {}),
          ...(query.action ? { action: { startsWith: query.action } } : {}),
          ...(query.outcome ? { outcome: query.outcome } : {}),
        },
        orderBy: { id: 'desc' },
        take: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        events: page.map((r) => ({ ...r, outcome: asOutcome(r.outcome) })),
        nextBeforeId: rows.length > query.limit && last ? last.id : null,
      };
    },
  };
}
