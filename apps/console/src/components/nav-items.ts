import type { Role } from '@tessera/api';

export interface NavItem {
  readonly href: string;
  readonly label: string;
  /** The least role that may open the page; the API enforces it again. */
  readonly role: Role;
}

export interface NavGroup {
  readonly label: string;
  readonly items: readonly NavItem[];
}

export const navGroups: readonly NavGroup[] = [
  {
    label: 'Cluster',
    items: [
      { href: '/', label: 'Overview', role: 'viewer' },
      { href: '/topology', label: 'Topology', role: 'viewer' },
      { href: '/slices', label: 'Slices', role: 'viewer' },
      { href: '/workload', label: 'Workload', role: 'viewer' },
    ],
  },
  {
    label: 'Data',
    items: [
      { href: '/sql', label: 'SQL', role: 'viewer' },
      { href: '/schema-changes', label: 'Schema changes', role: 'viewer' },
      { href: '/branches', label: 'Branches', role: 'viewer' },
    ],
  },
  {
    label: 'Gateway',
    items: [
      { href: '/filters', label: 'Filters', role: 'viewer' },
      { href: '/sessions', label: 'Sessions', role: 'viewer' },
    ],
  },
  {
    label: 'Administration',
    items: [
      { href: '/audit', label: 'Audit', role: 'operator' },
      { href: '/users', label: 'Users', role: 'admin' },
      { href: '/account', label: 'Account', role: 'viewer' },
    ],
  },
];
