// Password hashing (bcrypt, cost 10, as GoTrue) and GoTrue's strength rules from config.toml.
import bcrypt from 'bcryptjs';
import type { AuthSettings } from './config.ts';
import { badRequest, weakPassword } from './errors.ts';

const BCRYPT_COST = 10;
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const SYMBOLS = '!@#$%^&*()_+-=[]{};\'\\:"|<>?,./`~';

const REQUIRED_SETS: Record<AuthSettings['passwordRequirements'], string[]> = {
  '': [],
  letters_digits: [LOWER + UPPER, DIGITS],
  lower_upper_letters_digits: [LOWER, UPPER, DIGITS],
  lower_upper_letters_digits_symbols: [LOWER, UPPER, DIGITS, SYMBOLS],
};

export const hashPassword = (password: string) => bcrypt.hash(password, BCRYPT_COST);

/** Compares with the stored hash; a user without a password never matches. */
export async function passwordMatches(password: string, hash: string | null): Promise<boolean> {
  if (!hash || !password) return false;
  return bcrypt.compare(password, hash);
}

/** The weak-password verdict as GoTrue words it, or null when the password is acceptable. */
export function passwordWeakness(
  password: string,
  settings: AuthSettings,
): { message: string; reasons: string[] } | null {
  const messages: string[] = [];
  const reasons: string[] = [];
  // GoTrue counts bytes (Go's len), so do we.
  if (Buffer.byteLength(password) < settings.minimumPasswordLength) {
    messages.push(`Password should be at least ${settings.minimumPasswordLength} characters.`);
    reasons.push('length');
  }
  const sets = REQUIRED_SETS[settings.passwordRequirements];
  if (sets.some((set) => ![...password].some((ch) => set.includes(ch)))) {
    messages.push(`Password should contain at least one character of each: ${sets.join(', ')}.`);
    reasons.push('characters');
  }
  return reasons.length ? { message: messages.join(' '), reasons } : null;
}

/** Throws GoTrue's 422 weak_password (or 400 for a password bcrypt cannot hold). */
export function assertPasswordStrength(password: string, settings: AuthSettings): void {
  if (Buffer.byteLength(password) > 72)
    throw badRequest('validation_failed', 'Password cannot be longer than 72 characters');
  const weakness = passwordWeakness(password, settings);
  if (weakness) throw weakPassword(weakness.message, weakness.reasons);
}
