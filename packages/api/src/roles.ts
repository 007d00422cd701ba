import { z } from 'zod';

/** Console roles nest: every operator may do what a viewer may, every admin what an operator may. */
export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];
export const roleSchema = z.enum(roles);

const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAtLeast(role: Role, required: Role): boolean {
  return rank[role] >= rank[required];
}

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}
