/** A role's own entry is missing from the cluster file or contradicts the command line. */
export class RoleConfigError extends Error {
  override readonly name = 'RoleConfigError';
}
