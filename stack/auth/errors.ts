// GoTrue's error answers. Clients that send `X-Supabase-Api-Version: 2024-01-01` (auth-js v2 always does) get
// `{code: <error code>, message}` and the version echoed back; older clients get `{code: <status>, error_code, msg}`.
import type http from 'node:http';

export const API_VERSION_HEADER = 'x-supabase-api-version';
const API_VERSION_2024 = '2024-01-01';

export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra top-level fields (weak_password). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

/** GoTrue's OAuth-style errors (`{error, error_description}`), always 400. */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

export const badRequest = (code: string, msg: string) => new AuthError(400, code, msg);
export const unprocessable = (code: string, msg: string) => new AuthError(422, code, msg);
export const forbidden = (code: string, msg: string) => new AuthError(403, code, msg);
export const notFound = (code: string, msg: string) => new AuthError(404, code, msg);

export function weakPassword(message: string, reasons: string[]): AuthError {
  return new AuthError(422, 'weak_password', message, { weak_password: { reasons } });
}

/** The version the client asked for, or null (initial version) when absent or not a date. */
function requestedVersion(req: http.IncomingMessage): string | null {
  const raw = req.headers[API_VERSION_HEADER];
  const v = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!v || !/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) return null;
  // The closest version the server knows that is not newer than the requested one.
  return v >= API_VERSION_2024 ? API_VERSION_2024 : null;
}

export function sendAuthError(req: http.IncomingMessage, res: http.ServerResponse, err: unknown): void {
  const version = requestedVersion(req);
  const headers: Record<string, string> = {};
  if (version) headers[API_VERSION_HEADER] = version;
  let status: number;
  let body: Record<string, unknown>;
  if (err instanceof OAuthError) {
    status = 400;
    body = { error: err.error, error_description: err.description };
  } else if (err instanceof AuthError) {
    status = err.status;
    body = version
      ? { code: err.code, message: err.message, ...err.extra }
      : { code: err.status, error_code: err.code, msg: err.message, ...err.extra };
  } else {
    console.error('[auth]', err);
    status = 500;
    const message = 'Unexpected failure, please check server logs for more information';
    body = version
      ? { code: 'unexpected_failure', message }
      : { code: 500, error_code: 'unexpected_failure', msg: message };
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}
