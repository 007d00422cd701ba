import { adminPassword } from './constants';

export const testUsers = {
  viewer: { loginName: 'vera-viewer', password: 'viewer-password-1', role: 'viewer' },
  operator: { loginName: 'otto-operator', password: 'operator-password-1', role: 'operator' },
} as const;

export const admin = { loginName: 'admin', password: adminPassword, role: 'admin' } as const;
