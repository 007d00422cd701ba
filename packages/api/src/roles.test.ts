import { describe, expect, it } from 'vitest';
import { isRole, roleAtLeast, roles } from './roles';

describe('roles', () => {
  it('nest: viewer < operator < admin', () => {
    const table = roles.map((have) => roles.map((need) => roleAtLeast(have, need)));
    expect(table).toEqual([
      [true, false, false],
      [true, true, false],
      [true, true, true],
    ]);
  });

  it('recognise only the three role names', () => {
    expect(roles.filter(isRole)).toEqual(['viewer', 'operator', 'admin']);
    expect(isRole('root')).toBe(false);
    expect(isRole('Admin')).toBe(false);
  });
});
