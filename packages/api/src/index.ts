export { appRouter } from './root';
export type { AppRouter } from './root';
export {
  adminProcedure,
  createCallerFactory,
  describeInput,
  operatorProcedure,
  publicProcedure,
  router,
  viewerProcedure,
} from './trpc';
export type { ApiMeta } from './trpc';
export { isRole, roleAtLeast, roles, roleSchema } from './roles';
export type { Role } from './roles';
export { loginInput } from './routers/auth';
export { loginNameSchema, passwordSchema } from './routers/users';
export type * from './context';
