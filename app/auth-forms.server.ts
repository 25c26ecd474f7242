// Schemas for the account forms, and GoTrue's error codes turned into a message next to the right field.
import type { AuthError } from '@supabase/supabase-js';
import { z } from 'zod';

export const email = z
  .string({ message: 'Enter your email address.' })
  .max(254, { message: 'That email address is too long.' })
  .pipe(z.email({ message: 'Enter an email address like name@example.com.' }));

export const newPassword = z
  .string({ message: 'Choose a password.' })
  .min(8, { message: 'Use at least 8 characters.' })
  .max(72, { message: 'Use at most 72 characters.' });

export const signUpSchema = z
  .object({
    email,
    password: newPassword,
    confirm: z.string({ message: 'Repeat the password.' }),
    redirectTo: z.string().optional(),
  })
  .refine((v) => v.password === v.confirm, { message: 'The passwords do not match.', path: ['confirm'] });

export const signInSchema = z.object({
  email,
  password: z.string({ message: 'Enter your password.' }),
  redirectTo: z.string().optional(),
});

export const passwordChangeSchema = z
  .object({
    password: newPassword,
    confirm: z.string({ message: 'Repeat the new password.' }),
  })
  .refine((v) => v.password === v.confirm, { message: 'The passwords do not match.', path: ['confirm'] });

/** GoTrue's answer as [field, message]. */
export function authErrorField(error: AuthError): [string, string] {
  switch (error.code) {
    case 'user_already_exists':
    case 'email_exists':
      return ['email', 'An account with this email already exists. Sign in instead.'];
    case 'email_address_invalid':
      return ['email', 'Enter a valid email address.'];
    case 'weak_password':
      return ['password', error.message || 'Choose a stronger password.'];
    case 'same_password':
      return ['password', 'The new password must differ from the current one.'];
    case 'invalid_credentials':
      return ['form', 'Email or password is wrong.'];
    case 'email_not_confirmed':
      return ['form', 'Confirm your email address first: follow the link we sent you.'];
    case 'over_request_rate_limit':
    case 'over_email_send_rate_limit':
      return ['form', 'Too many attempts. Wait a minute and try again.'];
    case 'signup_disabled':
      return ['form', 'Sign-ups are closed on this server.'];
    default:
      return ['form', error.message || 'Authentication failed. Try again.'];
  }
}
