import { auditRouter } from './routers/audit';
import { authRouter } from './routers/auth';
import { clusterRouter } from './routers/cluster';
import { metricsRouter } from './routers/metrics';
import { serverRouter } from './routers/server';
import { sessionsRouter } from './routers/sessions';
import { sqlRouter } from './routers/sql';
import { usersRouter } from './routers/users';
import { router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  audit: auditRouter,
  server: serverRouter,
  cluster: clusterRouter,
  metrics: metricsRouter,
  sql: sqlRouter,
  sessions: sessionsRouter,
});

export type AppRouter = typeof appRouter;
