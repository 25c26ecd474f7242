// Form parsing for actions: zod schemas over FormData, errors keyed by field so each message can sit next to
// its input, and the database's own words for what it refused.
import type { PostgrestError } from '@supabase/supabase-js';
import { z } from 'zod';

export type FieldErrors = Record<string, string>;

export interface FormFailure {
  ok: false;
  fieldErrors: FieldErrors;
  formError?: string;
  values: Record<string, string>;
}

/** Text fields of a form, trimmed; empty fields are absent. */
export function formValues(form: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [k, v] of form.entries()) {
    if (typeof v === 'string' && v.trim() !== '') values[k] = v.trim();
  }
  return values;
}

export function parseForm<S extends z.ZodType>(
  schema: S,
  form: FormData,
): { ok: true; data: z.infer<S>; values: Record<string, string> } | FormFailure {
  const values = formValues(form);
  const parsed = schema.safeParse(values);
  if (parsed.success) return { ok: true, data: parsed.data, values };
  const fieldErrors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? 'form');
    fieldErrors[key] ??= issue.message;
  }
  return { ok: false, fieldErrors, values };
}

export const failure = (
  values: Record<string, string>,
  fieldErrors: FieldErrors,
  formError?: string,
): FormFailure => ({ ok: false, fieldErrors, formError, values });

/** A positive decimal as text (money, quantity, price): sent to Postgres as a string, never a float. */
export const positiveDecimal = (what: string) =>
  z
    .string({ message: `Enter ${what}.` })
    .regex(/^\d{1,12}(\.\d{1,9})?$/, { message: `${capital(what)} must be a number like 10 or 12.5.` })
    .refine((s) => Number(s) > 0, { message: `${capital(what)} must be greater than zero.` });

export const optionalPositiveDecimal = (what: string) => positiveDecimal(what).optional();

export const symbolField = z
  .string({ message: 'Enter a symbol.' })
  .transform((s) => s.toUpperCase())
  .pipe(
    z
      .string()
      .regex(/^[A-Z0-9][A-Z0-9./-]{0,19}$/, { message: 'Symbols are letters and digits, e.g. AAPL.' }),
  );

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * The field a database error is about, from its stable code (in details) or the parameter its message names,
 * so the message lands next to that input. Unknown codes go to the top of the form.
 */
export function dbErrorField(error: PostgrestError, fields: Record<string, string[]>): string {
  const code = error.details ?? error.hint ?? '';
  for (const [field, codes] of Object.entries(fields)) {
    if (codes.includes(code)) return field;
  }
  const named = /^([a-z_]+) /.exec(error.message)?.[1];
  if (named && named in fields) return named;
  return 'form';
}

export function dbFailure(
  values: Record<string, string>,
  error: PostgrestError,
  fields: Record<string, string[]> = {},
): FormFailure {
  const field = dbErrorField(error, fields);
  const message = humanDbMessage(error);
  return field === 'form' ? failure(values, {}, message) : failure(values, { [field]: message });
}

/** The database's message, with internal parameter names turned into the words on the form. */
export function humanDbMessage(error: PostgrestError): string {
  if (error.code === '23505') return 'That name is already taken.';
  if (error.code === '42501' && !error.details) return 'You are not allowed to do that.';
  return error.message
    .replace(/\blimit_price\b/g, 'Limit price')
    .replace(/\bstop_price\b/g, 'Stop price')
    .replace(/\btrail_price\b/g, 'Trail amount')
    .replace(/\btrail_percent\b/g, 'Trail percent')
    .replace(/\btake_profit_limit_price\b/g, 'Take-profit price')
    .replace(/\bstop_loss_stop_price\b/g, 'Stop-loss price')
    .replace(/\bstop_loss_limit_price\b/g, 'Stop-loss limit')
    .replace(/\bstarting_cash\b/g, 'Starting cash')
    .replace(/\bnotional\b/g, 'Amount')
    .replace(/\bqty\b/g, 'Quantity')
    .replace(/^([a-z])/, (c) => c.toUpperCase());
}
