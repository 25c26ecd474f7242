// /rest/v1: PostgREST's HTTP dialect over the schema cache. Each request runs in one transaction as the JWT's
// role with PostgREST's request.* settings: settings and query, both prepared, in one pipeline (see `run`).
import type http from 'node:http';
import postgres from 'postgres';
import { JwtError, verifyJwt } from '../jwt.ts';
import {
  ConnectionError,
  PgError,
  parseDbUrl,
  type Result,
  type Statement,
  WirePool,
} from '../postgres/wire.ts';
import type { ApiConfig } from './api-config.ts';
import {
  type BodyShape,
  buildRead,
  findTable,
  ident,
  inlineParams,
  orderSql,
  Params,
  wrapResult,
} from './build-query.ts';
import { fromPgError, invalidBody, RestError } from './errors.ts';
import { parseQuery } from './parse-filter.ts';
import { parseSelect } from './parse-select.ts';
import { loadSchemaCache, qualified, type RoutineDef, type SchemaCache } from './schema-cache.ts';

export interface RestOptions {
  /** Connection string for the `authenticator` role. */
  dbUrl: string;
  jwtSecret: string;
  api: ApiConfig;
  /** Largest accepted request body in bytes. */
  maxBodyBytes?: number;
  poolSize?: number;
}

export interface RestService {
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void>;
  reloadSchema(): Promise<void>;
  stop(): Promise<void>;
}

const OBJECT_MEDIA = 'application/vnd.pgrst.object+json';

/** What every statement the handler builds returns: one row. */
interface Outcome {
  total: string | null;
  page_total: string;
  body: string;
  /** The planner's estimate of the total (count=planned|estimated). */
  planned?: number;
}

interface Prefer {
  return: 'minimal' | 'headers-only' | 'representation' | null;
  count: 'exact' | 'planned' | 'estimated' | null;
  resolution: 'merge-duplicates' | 'ignore-duplicates' | null;
  missing: 'default' | null;
  tx: 'commit' | 'rollback' | null;
}

function parsePrefer(header: string | string[] | undefined): Prefer {
  const p: Prefer = { return: null, count: null, resolution: null, missing: null, tx: null };
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const raw of text.split(',')) {
    const [k, v] = raw.trim().split('=');
    if (k === 'return' && (v === 'minimal' || v === 'headers-only' || v === 'representation')) p.return = v;
    else if (k === 'count' && (v === 'exact' || v === 'planned' || v === 'estimated')) p.count = v;
    else if (k === 'resolution' && (v === 'merge-duplicates' || v === 'ignore-duplicates')) p.resolution = v;
    else if (k === 'missing' && v === 'default') p.missing = v;
    else if (k === 'tx' && (v === 'commit' || v === 'rollback')) p.tx = v;
  }
  return p;
}

function preferenceApplied(p: Prefer, method: string): string | null {
  const out: string[] = [];
  if (p.resolution && method === 'POST') out.push(`resolution=${p.resolution}`);
  if (p.missing && method === 'POST') out.push('missing=default');
  if (p.return && method !== 'GET' && method !== 'HEAD') out.push(`return=${p.return}`);
  if (p.count) out.push(`count=${p.count}`);
  if (p.tx) out.push(`tx=${p.tx}`);
  return out.length ? out.join(', ') : null;
}

const header = (req: http.IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

async function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit)
      // The rest of the body is never read, so the connection cannot carry another request: say so.
      throw new RestError(
        413,
        'PGRST413',
        'Payload Too Large',
        `The request body exceeds ${limit} bytes`,
        null,
        { connection: 'close' },
      );
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseRange(h: string | undefined): { offset: number; limit: number | null } | null {
  const m = h ? /^(?:items=)?(\d+)-(\d*)$/.exec(h.trim()) : null;
  if (!m) return null;
  const from = Number(m[1]);
  const to = m[2] === '' ? null : Number(m[2]);
  if (to !== null && to < from)
    throw new RestError(
      416,
      'PGRST103',
      'Requested range not satisfiable',
      'The lower boundary must be lower than or equal to the upper boundary in the Range header.',
    );
  return { offset: from, limit: to === null ? null : to - from + 1 };
}

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string>,
  head = false,
) {
  const h: Record<string, string | number> = { ...headers };
  if (body !== '' || status !== 204) h['content-length'] = Buffer.byteLength(body);
  res.writeHead(status, h);
  res.end(head ? undefined : body);
}

function sendError(res: http.ServerResponse, err: RestError) {
  send(res, err.status, JSON.stringify(err.body()), {
    'content-type': 'application/json; charset=utf-8',
    ...err.headers,
  });
}

export async function startRest(opts: RestOptions): Promise<RestService> {
  // postgres.js for the schema cache and LISTEN; requests go through `wire` (see `run`).
  const sql = postgres(opts.dbUrl, { max: 1, onnotice: () => {} });
  const wire = new WirePool(
    { ...parseDbUrl(opts.dbUrl), applicationName: 'nexural-rest' },
    opts.poolSize ?? 10,
  );
  let cache: SchemaCache = await loadSchemaCache(sql, opts.api.schemas);
  const reloadSchema = async () => {
    cache = await loadSchemaCache(sql, opts.api.schemas);
    wire.forgetStatements();
  };
  const listener = await sql.listen('pgrst', (payload) => {
    if (payload === 'reload schema' || payload === '')
      reloadSchema().catch((e) => console.error('[rest] reload', e));
  });
  const maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;

  // Verified tokens are remembered until they expire (as PostgREST's JWT cache does): the anon key and a
  // user's access token arrive on every request.
  // The claims' JSON for request.jwt.claims is kept with them.
  interface Verified {
    claims: Record<string, unknown>;
    json: string;
    exp: number;
  }
  const jwtCache = new Map<string, Verified>();
  async function verifyCached(token: string): Promise<Verified> {
    const now = Date.now() / 1000;
    const hit = jwtCache.get(token);
    if (hit && hit.exp > now) return hit;
    const claims = await verifyJwt(token, opts.jwtSecret);
    if (jwtCache.size >= 10_000) jwtCache.clear();
    const verified = {
      claims,
      json: JSON.stringify(claims),
      exp: typeof claims.exp === 'number' ? claims.exp : now + 60,
    };
    jwtCache.set(token, verified);
    return verified;
  }
  const searchPaths = new Map(
    opts.api.schemas.map((s) => [s, [s, ...opts.api.extraSearchPath].map((x) => ident(x)).join(', ')]),
  );

  /**
   * Runs `query` in one transaction as `role` with PostgREST's settings, as PostgREST does: the settings
   * statement and the query, both prepared (values are bind parameters), one after the other in one
   * extended-protocol pipeline with a single Sync. Postgres runs the statements before a Sync as one
   * implicit transaction (committed at the Sync, rolled back on any error), so when the ending is known up
   * front (nearly always: commit) a request is one write and one round trip on a shared pool connection, and
   * requests pipeline on it. Otherwise (`tx=rollback`, a mutation asked for as one object) an explicit
   * transaction on a reserved connection ends as `decide` says once the result is in.
   */
  async function run(
    settings: {
      role: string;
      claims: string;
      headers: string;
      method: string;
      path: string;
      searchPath: string;
    },
    query: string,
    values: readonly string[],
    /** An EXPLAIN (FORMAT JSON) to run before the query; its row estimate comes back as `planned`. */
    explain: string | null,
    readOnly: boolean,
    /** Given null: the ending if known before the result, else null to decide on the result. */
    decide: (o: Outcome | null) => 'commit' | 'rollback' | null,
  ): Promise<Outcome> {
    // The settings are a statement of their own: role and search_path must be in force before the query is
    // bound (planned) and its permissions checked.
    const set: Statement = {
      text: readOnly ? SETTINGS_READ_ONLY : SETTINGS,
      params: [
        settings.searchPath,
        settings.role,
        settings.claims,
        settings.headers,
        settings.method,
        settings.path,
      ],
    };
    const statements: Statement[] = [set];
    // The EXPLAIN uses only some of the values: it gets them inlined, once, unprepared.
    if (explain) statements.push({ text: inlineParams(explain, values), prepare: false });
    statements.push({ text: query, params: values });
    const early = decide(null);
    if (early === 'commit') return outcomeOf(await retryingStale(() => wire.run(statements)));
    const conn = await wire.reserve();
    try {
      const outcome = outcomeOf(await conn.run([{ text: 'BEGIN', prepare: false }, ...statements]));
      await conn.run([
        { text: (early ?? decide(outcome)) === 'rollback' ? 'ROLLBACK' : 'COMMIT', prepare: false },
      ]);
      return outcome;
    } finally {
      await conn.release();
    }
  }

  /**
   * A statement prepared before a schema change whose result columns it changed fails with "cached plan
   * must not change result type"; the unit was rolled back, so it runs once more with fresh statements.
   */
  async function retryingStale(go: () => Promise<Result[]>): Promise<Result[]> {
    try {
      return await go();
    } catch (err) {
      if (!(err instanceof PgError && err.code === '0A000' && /cached plan/.test(err.message))) throw err;
      wire.forgetStatements();
      return go();
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    let authenticated = false;
    try {
      await handleInner(req, res, url, (a) => {
        authenticated = a;
      });
    } catch (err) {
      if (err instanceof RestError) return sendError(res, err);
      let mapped: RestError;
      try {
        mapped =
          err instanceof ConnectionError
            ? // As PostgREST answers while it cannot reach the database.
              new RestError(503, 'PGRST001', 'Database client error. Retrying the connection.', err.message)
            : fromPgError(err, authenticated);
      } catch {
        console.error('[rest]', err);
        mapped = new RestError(500, 'PGRST000', 'Internal error');
      }
      // A JWT role that does not exist is an authentication failure (PostgREST ≥ 13).
      if (mapped.code === '22023' && /^role ".*" does not exist$/.test(mapped.message))
        mapped = new RestError(401, mapped.code, mapped.message, mapped.details, mapped.hint);
      sendError(res, mapped);
    }
  }

  async function handleInner(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    setAuthenticated: (a: boolean) => void,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const rest = url.pathname.replace(/^\/rest\/v1\/?/, '');
    const segments = rest.split('/').filter(Boolean).map(decodeURIComponent);

    // JWT → role and claims
    const auth = header(req, 'authorization');
    let claims: Record<string, unknown> = {};
    let claimsJson = ANON_CLAIMS;
    let role = 'anon';
    if (auth) {
      const m = /^Bearer\s+(.+)$/i.exec(auth);
      if (!m)
        throw new RestError(401, 'PGRST301', 'No suitable key or wrong key type', null, null, {
          'www-authenticate': 'Bearer',
        });
      try {
        const verified = await verifyCached((m[1] ?? '').trim());
        claims = verified.claims;
        claimsJson = verified.json;
      } catch (e) {
        if (!(e instanceof JwtError)) throw e;
        const expired = e.reason === 'expired';
        const msg = expired
          ? 'JWT expired'
          : e.reason === 'malformed'
            ? 'JWT could not be decoded'
            : 'JWT cryptographic operation failed';
        throw new RestError(401, expired ? 'PGRST303' : 'PGRST301', msg, null, null, {
          'www-authenticate': `Bearer error="invalid_token", error_description="${msg}"`,
        });
      }
      if (typeof claims.role === 'string') role = claims.role;
      // PostgREST's 401-vs-403 split: a request is "authenticated" when it runs as a role other than anon.
      setAuthenticated(role !== 'anon');
    }

    // Profile → schema
    const readLike = method === 'GET' || method === 'HEAD';
    const profileHeader = header(req, readLike ? 'accept-profile' : 'content-profile');
    const schema = profileHeader ?? opts.api.schemas[0] ?? 'public';
    if (!opts.api.schemas.includes(schema))
      throw new RestError(
        406,
        'PGRST106',
        `Invalid schema: ${schema}`,
        null,
        `Only the following schemas are exposed: ${opts.api.schemas.join(', ')}`,
      );
    const baseHeaders: Record<string, string> = {};
    // Set on the response itself so error answers carry it too.
    if (profileHeader) res.setHeader('content-profile', schema);

    const accept = header(req, 'accept') ?? '*/*';
    const shapeWanted: BodyShape = accept.includes(OBJECT_MEDIA)
      ? 'object'
      : accept.includes('text/csv')
        ? 'csv'
        : 'array';
    if (!/application\/json|\*\/\*|application\/\*|vnd\.pgrst\.object|text\/csv|^$/.test(accept))
      throw new RestError(406, 'PGRST107', `None of these media types are available: ${accept}`);
    const contentType =
      shapeWanted === 'csv'
        ? 'text/csv; charset=utf-8'
        : shapeWanted === 'object'
          ? `${OBJECT_MEDIA}; charset=utf-8`
          : 'application/json; charset=utf-8';

    const prefer = parsePrefer(req.headers.prefer);
    const applied = preferenceApplied(prefer, method);
    if (applied) baseHeaders['preference-applied'] = applied;

    const settings = {
      role,
      claims: claimsJson,
      headers: headersJson(req.headers),
      method,
      path: url.pathname.replace(/^\/rest\/v1/, '') || '/',
      searchPath: searchPaths.get(schema) ?? '',
    };

    if (segments.length === 0) {
      send(res, 200, JSON.stringify({ swagger: '2.0', info: { title: 'Nexural REST' }, paths: {} }), {
        'content-type': 'application/openapi+json; charset=utf-8',
      });
      return;
    }

    const isRpc = segments[0] === 'rpc' && segments.length === 2;
    if (!isRpc && segments.length !== 1)
      throw new RestError(404, 'PGRST125', `Invalid path specified in request URL`);
    if (isRpc && method !== 'GET' && method !== 'HEAD' && method !== 'POST')
      throw new RestError(405, 'PGRST101', 'Only GET, HEAD and POST are allowed for calling functions');

    const params = new Params();
    const select = parseSelect(url.searchParams.get('select'));
    const rangeHeader = readLike ? parseRange(header(req, 'range')) : null;

    let bodyText = '';
    if (method === 'POST' || method === 'PATCH' || method === 'PUT') bodyText = await readBody(req, maxBody);

    let query: string;
    // count=planned takes the planner's row estimate of the count query (EXPLAIN, as this role, in this
    // transaction); count=estimated counts exactly up to max_rows and takes the estimate beyond it.
    let explain: string | null = null;
    const maxRows = opts.api.maxRows;
    const counting = (countRows: string): string | null => {
      if (prefer.count === 'exact' || (prefer.count === 'estimated' && maxRows === null)) return countRows;
      if (prefer.count === null) return null;
      explain = `EXPLAIN (FORMAT JSON) ${countRows}`;
      return prefer.count === 'estimated' ? `${countRows} LIMIT ${(maxRows ?? 0) + 1}` : null;
    };
    let shape: BodyShape = shapeWanted;
    let status = 200;
    let isMutation = false;
    let rpcScalar = false;
    let rpcVoid = false;
    let locationFor: string[] | null = null;
    const tableName = (isRpc ? segments[1] : segments[0]) ?? '';

    if (isRpc) {
      const all = cache.routines.get(qualified(schema, tableName)) ?? [];
      let args: Record<string, unknown> = {};
      let rawJson: string | null = null;
      const argKeys = new Set<string>();
      if (method === 'POST') {
        const parsed = parseJson(bodyText === '' ? '{}' : bodyText);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
          rawJson = bodyText;
        } else args = parsed as Record<string, unknown>;
        for (const k of Object.keys(args)) argKeys.add(k);
      } else {
        const names = new Set(all.flatMap((r) => r.args.map((a) => a.name)));
        for (const [k, v] of url.searchParams)
          if (names.has(k)) {
            args[k] = v;
            argKeys.add(k);
          }
      }
      const fn = pickRoutine(all, argKeys, rawJson !== null || method === 'POST');
      if (!fn)
        throw new RestError(
          404,
          'PGRST202',
          `Could not find the function ${schema}.${tableName}${argKeys.size ? `(${[...argKeys].sort().join(', ')})` : ' without parameters'} in the schema cache`,
          `Searched for the function ${schema}.${tableName} with parameters ${[...argKeys].sort().join(', ') || 'none'} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
          null,
        );
      const scopes = parseQuery(
        url.searchParams,
        new Set(method === 'GET' || method === 'HEAD' ? argKeys : []),
      );
      const ctx = { cache, schema, params, scopes, maxRows: opts.api.maxRows, aliasCounter: { n: 0 } };
      const firstArg = fn.args[0];
      const single = fn.args.length === 1 && firstArg?.name === '' && /^jsonb?$/.test(firstArg.type);
      let from: string;
      let call: string;
      if (single) {
        call = `${ident(fn.schema)}.${ident(fn.name)}(${params.add(method === 'POST' ? bodyText || '{}' : JSON.stringify(args))}::text::${firstArg?.type})`;
        from = '';
      } else {
        const used = fn.args.filter((a) => argKeys.has(a.name));
        call = `${ident(fn.schema)}.${ident(fn.name)}(${used.map((a) => `${ident(a.name)} := _pgrst_args.${ident(a.name)}`).join(', ')})`;
        from = used.length
          ? `json_to_record(${params.add(method === 'POST' ? bodyText || '{}' : JSON.stringify(args))}::text::json) AS _pgrst_args(${used.map((a) => `${ident(a.name)} ${a.type}`).join(', ')})`
          : '';
      }
      const alias = fn.name;
      if (fn.returnsVoid) {
        rpcVoid = true;
        query = wrapResult(`SELECT ${call}${from ? ` FROM ${from}` : ''}`, 'none', null);
      } else if (!fn.returnsComposite) {
        rpcScalar = true;
        const agg = fn.returnsSet
          ? `coalesce(json_agg(_pgrst_v.v), '[]')`
          : `(array_agg(to_json(_pgrst_v.v)))[1]`;
        query = `SELECT null::bigint AS total, count(*) AS page_total, coalesce(${agg}::text, 'null') AS body FROM (SELECT ${call} AS v${from ? ` FROM ${from}` : ''}) _pgrst_v`;
      } else {
        const relTable = fn.returnsRelation ? (cache.tables.get(fn.returnsRelation) ?? null) : null;
        const source = `${from ? `${from}, LATERAL ` : ''}${call} AS ${ident(alias)}`;
        const range = paginate(
          rangeHeader,
          scopes.get('')?.limit ?? null,
          scopes.get('')?.offset ?? null,
          opts.api.maxRows,
        );
        const plan = buildRead(ctx, source, alias, relTable, select, range);
        if (!fn.returnsSet && shape === 'array') shape = 'object';
        query = wrapResult(plan.rows, shape, counting(plan.countRows));
      }
      if (fn.volatility === 'v' && readLike) {
        // volatile functions run read-only on GET: writes fail with 25006 → 405, as in PostgREST
      }
    } else {
      const table = findTable({ cache, schema }, tableName);
      const scopes = parseQuery(url.searchParams);
      const ctx = { cache, schema, params, scopes, maxRows: opts.api.maxRows, aliasCounter: { n: 0 } };
      const alias = table.name;
      const target = `${ident(table.schema)}.${ident(table.name)}`;
      if (readLike) {
        const range = paginate(
          rangeHeader,
          scopes.get('')?.limit ?? null,
          scopes.get('')?.offset ?? null,
          opts.api.maxRows,
        );
        const plan = buildRead(ctx, `${target} AS ${ident(alias)}`, alias, table, select, range);
        query = wrapResult(plan.rows, shape, counting(plan.countRows));
      } else if (method === 'POST' || method === 'PATCH' || method === 'DELETE') {
        isMutation = true;
        let mutation: string;
        const root = scopes.get('') ?? { filters: [], order: null, limit: null, offset: null };
        const filtered = (rootAlias: string) => {
          const parts = root.filters.map((f) => filterSqlFor(ctx, rootAlias, table, f));
          return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
        };
        // A limited PATCH/DELETE (`limit`, ordered by a unique column) touches the first rows of that order:
        // the rows whose key (primary key, else ctid) the ordered, limited SELECT finds.
        const limited = method !== 'POST' && (root.limit !== null || root.offset !== null);
        if (limited && !root.order)
          throw new RestError(
            400,
            'PGRST109',
            'Restricting a Deletion or an Update using limits must include the ordering of a unique column',
            null,
            null,
          );
        const where = (rootAlias: string) => {
          if (!limited || !root.order) return filtered(rootAlias);
          const key = table.pk.length ? table.pk.map(ident) : ['ctid'];
          const row = (a: string) => key.map((k) => `${ident(a)}.${k}`).join(', ');
          let pick = `SELECT ${row(alias)} FROM ${target} AS ${ident(alias)}${filtered(alias)} ORDER BY ${orderSql(ctx, alias, table, root.order, select)}`;
          if (root.limit !== null) pick += ` LIMIT ${root.limit}`;
          if (root.offset !== null) pick += ` OFFSET ${root.offset}`;
          return ` WHERE (${row(rootAlias)}) IN (${pick})`;
        };
        if (method === 'DELETE') {
          mutation = `DELETE FROM ${target} AS ${ident(alias)}${where(alias)} RETURNING ${ident(alias)}.*`;
          status = 200;
        } else {
          const parsed = parseJson(bodyText);
          const rows = Array.isArray(parsed) ? parsed : [parsed];
          if (rows.some((r) => r === null || typeof r !== 'object' || Array.isArray(r)))
            throw invalidBody('Empty or invalid json');
          const columnsParam = url.searchParams.get('columns');
          const keys = columnsParam
            ? columnsParam.split(',').map((c) => c.trim().replace(/^"|"$/g, ''))
            : Object.keys((rows[0] ?? {}) as object);
          if (
            !columnsParam &&
            rows.some((r) => {
              const k = Object.keys(r as object);
              return k.length !== keys.length || k.some((x) => !keys.includes(x));
            })
          )
            throw new RestError(400, 'PGRST102', 'All object keys must match');
          for (const k of keys)
            if (!table.columns.has(k))
              throw new RestError(
                400,
                'PGRST204',
                `Could not find the '${k}' column of '${table.name}' in the schema cache`,
              );
          const raw = Array.isArray(parsed) ? bodyText : `[${bodyText}]`;
          const cols = keys.map(ident);
          if (method === 'POST') {
            status = 201;
            let src = '';
            if (prefer.missing !== 'default')
              src = `SELECT ${cols.map((c) => `_pgrst_b.${c}`).join(', ')} FROM json_populate_recordset(NULL::${target}, ${params.add(raw)}::text::json) _pgrst_b`;
            else {
              // Keys a row leaves out take the column default (catalog SQL from pg_attrdef), not NULL.
              src = `SELECT ${keys
                .map((k) => {
                  const dflt = table.columns.get(k)?.defaultExpr ?? 'NULL';
                  return `CASE WHEN _pgrst_j.j ? ${params.add(k)}::text THEN (jsonb_populate_record(NULL::${target}, _pgrst_j.j)).${ident(k)} ELSE ${dflt} END`;
                })
                .join(', ')} FROM jsonb_array_elements(${params.add(raw)}::text::jsonb) AS _pgrst_j(j)`;
            }
            mutation = keys.length
              ? `INSERT INTO ${target} AS ${ident(alias)} (${cols.join(', ')}) ${src}`
              : `INSERT INTO ${target} AS ${ident(alias)} SELECT FROM json_array_elements(${params.add(raw)}::text::json)`;
            if (keys.length === 0) mutation = `INSERT INTO ${target} AS ${ident(alias)} DEFAULT VALUES`;
            if (prefer.resolution) {
              const conflict = url.searchParams.get('on_conflict');
              const onCols = conflict ? conflict.split(',').map((c) => c.trim()) : table.pk;
              for (const c of onCols)
                if (!table.columns.has(c))
                  throw new RestError(400, '42703', `column ${table.name}.${c} does not exist`);
              if (onCols.length === 0)
                throw new RestError(400, 'PGRST102', 'on_conflict needs columns or a primary key');
              const update = keys.filter((k) => !onCols.includes(k));
              mutation +=
                prefer.resolution === 'ignore-duplicates' || update.length === 0
                  ? ` ON CONFLICT (${onCols.map(ident).join(', ')}) DO NOTHING`
                  : ` ON CONFLICT (${onCols.map(ident).join(', ')}) DO UPDATE SET ${update.map((k) => `${ident(k)} = EXCLUDED.${ident(k)}`).join(', ')}`;
            } else if (url.searchParams.get('on_conflict') && prefer.resolution === null) {
              // on_conflict without a resolution is a plain insert, as in PostgREST
            }
            mutation += ` RETURNING ${ident(alias)}.*`;
            if (table.pk.length) locationFor = table.pk;
          } else {
            if (rows.length !== 1) throw invalidBody('PATCH body must be a single JSON object');
            if (keys.length === 0) mutation = `SELECT * FROM ${target} AS ${ident(alias)} WHERE FALSE`;
            else
              mutation = `UPDATE ${target} AS ${ident(alias)} SET ${cols.map((c) => `${c} = _pgrst_b.${c}`).join(', ')} FROM (SELECT * FROM json_populate_record(NULL::${target}, ${params.add(bodyText)}::text::json)) _pgrst_b${where(alias)} RETURNING ${ident(alias)}.*`;
          }
        }
        const wantBody = prefer.return === 'representation';
        const plan = buildRead(
          ctx,
          `pgrst_source AS ${ident(alias)}`,
          alias,
          table,
          select,
          { offset: 0, limit: null },
          false,
        );
        const cte = `WITH pgrst_source AS (${mutation}) `;
        if (wantBody) query = wrapResult(plan.rows, shape, null, cte);
        else if (locationFor && prefer.return === 'headers-only')
          query = `${cte}SELECT null::bigint AS total, count(*) AS page_total, coalesce((json_agg(json_build_object(${locationFor.map((k) => `${params.add(k)}::text, ${ident(k)}`).join(', ')}))->0)::text, '') AS body FROM pgrst_source`;
        else
          query = `${cte}SELECT null::bigint AS total, count(*) AS page_total, '' AS body FROM pgrst_source`;
      } else {
        throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
      }
    }

    const single = shapeWanted === 'object';
    const outcome = await run(settings, query, params.values, explain, readLike, (o) => {
      if (prefer.tx === 'rollback') return 'rollback';
      // A mutation asked for as one object is undone unless it touched exactly one row.
      if (single && isMutation) return o === null ? null : Number(o.page_total) !== 1 ? 'rollback' : 'commit';
      return 'commit';
    });
    const pageTotal = Number(outcome.page_total);
    let total = outcome.total === null ? null : Number(outcome.total);
    if (outcome.planned !== undefined && (total === null || total > (maxRows ?? 0))) total = outcome.planned;
    if (single && !rpcScalar && !rpcVoid && pageTotal !== 1)
      throw new RestError(
        406,
        'PGRST116',
        'Cannot coerce the result to a single JSON object',
        `The result contains ${pageTotal} rows`,
      );
    const headers: Record<string, string> = { ...baseHeaders };
    if (isMutation) {
      const wantBody = prefer.return === 'representation';
      headers['content-range'] = `*/${total ?? '*'}`;
      if (method === 'POST' && prefer.return === 'headers-only' && locationFor && outcome.body) {
        const row = JSON.parse(outcome.body) as Record<string, unknown>;
        headers.location = `/${tableName}?${locationFor.map((k) => `${k}=eq.${encodeURIComponent(String(row[k]))}`).join('&')}`;
      }
      if (!wantBody) {
        send(res, method === 'POST' ? 201 : 204, '', headers);
        return;
      }
      headers['content-type'] = contentType;
      send(res, status, outcome.body, headers);
      return;
    }
    if (rpcVoid) {
      send(res, 204, '', headers);
      return;
    }
    headers['content-type'] = rpcScalar && shape === 'csv' ? 'application/json; charset=utf-8' : contentType;
    if (!rpcScalar) {
      const offset = offsetOf(rangeHeader, url.searchParams);
      if (total !== null && offset > 0 && offset >= total && total > 0)
        throw new RestError(
          416,
          'PGRST103',
          'Requested range not satisfiable',
          `An offset of ${offset} was requested, but there are only ${total} rows.`,
          null,
          { 'content-range': `*/${total}` },
        );
      headers['content-range'] =
        pageTotal === 0 ? `*/${total ?? '*'}` : `${offset}-${offset + pageTotal - 1}/${total ?? '*'}`;
      if (total !== null && pageTotal > 0 && (offset > 0 || offset + pageTotal < total)) status = 206;
    }
    send(res, status, outcome.body, headers, method === 'HEAD');
  }

  return {
    handle,
    reloadSchema,
    async stop() {
      await listener.unlisten().catch(() => {});
      await Promise.all([sql.end({ timeout: 5 }), wire.end()]);
    },
  };
}

const ANON_CLAIMS = JSON.stringify({ role: 'anon' });

/** request.headers: the request's headers by lower-case name (Node joins repeated ones). */
function headersJson(headers: http.IncomingHttpHeaders): string {
  const out: Record<string, string> = {};
  for (const k in headers) {
    const v = headers[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return JSON.stringify(out);
}

/**
 * The one row of the last statement's result as column → value, with the row estimate of an EXPLAIN
 * (FORMAT JSON) just before it, if there was one.
 */
function outcomeOf(results: Result[]): Outcome {
  const last = results.at(-1);
  const row: Record<string, string | null> = {};
  last?.columns.forEach((c, i) => {
    row[c] = last.rows[0]?.[i] ?? null;
  });
  const outcome = row as unknown as Outcome;
  const explained = results.at(-2);
  const plan = explained?.columns[0] === 'QUERY PLAN' ? explained.rows[0]?.[0] : undefined;
  if (typeof plan === 'string') {
    const rows = (JSON.parse(plan) as { Plan: { 'Plan Rows': number } }[])[0]?.Plan['Plan Rows'];
    if (typeof rows === 'number') outcome.planned = Math.round(rows);
  }
  return outcome;
}

/** PostgREST's settings for a request; one small column back rather than every value echoed. */
const SETTINGS_SQL = (readOnly: boolean) =>
  `SELECT octet_length(set_config('search_path', $1, true) || set_config('role', $2, true) || ` +
  `set_config('request.jwt.claims', $3, true) || set_config('request.headers', $4, true) || ` +
  `set_config('request.method', $5, true) || set_config('request.path', $6, true)` +
  `${readOnly ? ` || set_config('transaction_read_only', 'on', true)` : ''}) AS pgrst_settings`;
const SETTINGS = SETTINGS_SQL(false);
const SETTINGS_READ_ONLY = SETTINGS_SQL(true);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidBody('Empty or invalid json');
  }
}

function paginate(
  range: { offset: number; limit: number | null } | null,
  limit: number | null,
  offset: number | null,
  maxRows: number | null,
): { offset: number; limit: number | null } {
  let lim = limit;
  let off = offset ?? 0;
  if (range) {
    off = offset ?? range.offset;
    lim = lim ?? range.limit;
  }
  if (maxRows !== null) lim = lim === null ? maxRows : Math.min(lim, maxRows);
  return { offset: off, limit: lim };
}

function offsetOf(range: { offset: number } | null, params: URLSearchParams): number {
  const o = params.get('offset');
  return o !== null ? Number(o) : (range?.offset ?? 0);
}

/** Named-argument overload resolution: every key an argument, every argument without a default given. */
function pickRoutine(all: RoutineDef[], keys: Set<string>, allowSingleJson: boolean): RoutineDef | null {
  const exact = all.filter(
    (r) =>
      r.args.every((a) => a.name !== '' || a.hasDefault) &&
      [...keys].every((k) => r.args.some((a) => a.name === k)) &&
      r.args.every((a) => a.hasDefault || keys.has(a.name)),
  );
  if (exact[0]) return exact[0];
  if (allowSingleJson)
    return (
      all.find(
        (r) => r.args.length === 1 && /^jsonb?$/.test(r.args[0]?.type ?? '') && r.args[0]?.name === '',
      ) ?? null
    );
  return null;
}

import { filterSql as filterSqlFor } from './build-query.ts';
