/** Who may run admin commands: one rule, for the dispatcher and the service alike. */
import { describe, expect, it } from 'vitest';
import { isAdmin } from '../../src/bot/admin.ts';

describe('the admin check', () => {
  it('without MARQUEE_ADMINS, the console user (who runs the bot) is the admin, nobody on a chat', () => {
    expect(isAdmin(undefined, 'console', 'anyone')).toBe(true);
    expect(isAdmin(undefined, 'discord', '100000000000000001')).toBe(false);
  });

  it('with MARQUEE_ADMINS, exactly the listed platform users, and the console only when listed', () => {
    const admins = [{ platform: 'slack' as const, userId: 'UADMIN' }];
    expect(isAdmin(admins, 'slack', 'UADMIN')).toBe(true);
    expect(isAdmin(admins, 'discord', 'UADMIN')).toBe(false); // the same id on another platform is someone else
    expect(isAdmin(admins, 'console', 'root')).toBe(false);
  });
});
