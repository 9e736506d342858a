/**
 * Who may run admin commands (/evaluate, /stats): the one rule, used by the dispatcher and the
 * service. MARQUEE_ADMINS lists platform users; unset, the console user is the admin (whoever can
 * type into the bot's own terminal already runs it).
 */
import type { AdminRef } from '../config.ts';
import type { Platform } from '../store/api.ts';

/** Whether `userId` on `platform` is an admin; `admins` undefined = MARQUEE_ADMINS unset. */
export function isAdmin(admins: readonly AdminRef[] | undefined, platform: Platform, userId: string): boolean {
  if (admins === undefined) return platform === 'console';
  return admins.some((a) => a.platform === platform && a.userId === userId);
}
