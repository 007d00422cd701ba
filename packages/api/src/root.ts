import { auditRouter } from './routers/audit';
import { authRouter } from './routers/auth';
import { clusterRouter } from './routers/cluster';
import { serverRouter } from './routers/server';
import { usersRouter } from './routers/users';
import { router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  audit: auditRouter,
  server: serverRouter,
  cluster: clusterRouter,
});

export type AppRouter = typeof appRouter;
