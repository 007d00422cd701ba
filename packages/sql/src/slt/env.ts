// The sqllogictest CLI's environment: where `npm run slt` was started (npm runs workspace
// scripts in the package directory, so relative paths are resolved against INIT_CWD).
export function invocationDirectory(): string {
  return process.env.INIT_CWD ?? process.cwd();
}
