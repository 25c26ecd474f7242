// Prints the stack's connection details the way `supabase status` does.
import type { StackEnv } from './config.ts';
import type { Stack } from './stack.ts';

export function statusLines(stack: Stack, env: StackEnv): string {
  const rows: [string, string][] = [
    ['API URL', stack.apiUrl],
    ['REST URL', `${stack.apiUrl}/rest/v1`],
    ['DB URL', stack.dbUrl],
    ['JWT secret', env.NEXURAL_JWT_SECRET],
    ['anon key', env.NEXURAL_ANON_KEY],
    ['service_role key', env.NEXURAL_SERVICE_ROLE_KEY],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padStart(width)}: ${v}`).join('\n');
}
