// The [api] section of supabase/config.toml: which schemas PostgREST exposes, the extra search_path and max_rows.
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'smol-toml';

export interface ApiConfig {
  schemas: string[];
  extraSearchPath: string[];
  maxRows: number | null;
}

export function readApiConfig(configToml: string): ApiConfig {
  // A project folder without config.toml gets `supabase init`'s defaults.
  const doc = (existsSync(configToml) ? parse(readFileSync(configToml, 'utf8')) : {}) as {
    api?: Record<string, unknown>;
  };
  const api = doc.api ?? {};
  const list = (v: unknown, dflt: string[]) =>
    Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : dflt;
  return {
    schemas: list(api.schemas, ['public', 'graphql_public']),
    extraSearchPath: list(api.extra_search_path, ['public', 'extensions']),
    maxRows: typeof api.max_rows === 'number' && api.max_rows > 0 ? api.max_rows : null,
  };
}
