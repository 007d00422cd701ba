/**
 * The console's Sessions page: this server's SQL connections, as SHOW PROCESSLIST lists them,
 * and KILL from an operator. Without a MySQL listener there are no sessions to list.
 */
import type { SessionService, SqlSessionInfo } from '@tessera/api';
import type { EngineHandler } from '@tessera/gateway';

export function createSessionService(
  handler: () => EngineHandler | undefined,
  now: () => Date,
): SessionService {
  return {
    list(): SqlSessionInfo[] {
      const engine = handler();
      if (engine === undefined) return [];
      const nowMicros = BigInt(now().getTime()) * 1000n;
      return engine
        .processList()
        .map((p) => ({
          id: p.id,
          user: p.user,
          host: p.host,
          database: p.database ?? null,
          command: p.command,
          timeSeconds: p.timeSeconds,
          state: p.state,
          statement: p.info ?? null,
          inTransaction: p.inTransaction,
          transactionSeconds:
            p.transactionStartedMicros === undefined
              ? null
              : Math.max(0, Number((nowMicros - p.transactionStartedMicros) / 1_000_000n)),
          statements: p.statements,
          connectedAt: new Date(Number(p.connectedMicros / 1000n)),
        }))
        .sort((a, b) => a.id - b.id);
    },
    kill(id, scope) {
      return handler()?.killProcess(id, scope) ?? false;
    },
  };
}
