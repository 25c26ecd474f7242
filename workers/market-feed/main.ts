// `npm start` runs this: ingests the feed at MARKET_FEED_URL (the local simulator by default; Alpaca's
// wss://stream.data.alpaca.markets/v2/iex with ALPACA_API_KEY_ID/ALPACA_API_SECRET_KEY) into Postgres.
import { z } from 'zod';
import { startIngester } from './ingester.ts';
import { connectPostgres } from './postgres-client.ts';
import { QuoteBroadcaster } from './quote-broadcaster.ts';

const symbolList = z
  .string()
  .regex(/^(\*|[A-Z0-9./-]+(,[A-Z0-9./-]+)*)$/, 'expected * or SYM,SYM')
  .transform((s) => s.split(','));

const Env = z.object({
  SUPABASE_URL: z.url(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'),
  MARKET_FEED_URL: z
    .string()
    .regex(/^wss?:\/\//, 'expected a ws:// or wss:// URL')
    .default('ws://127.0.0.1:54329/v2/sim'),
  MARKET_FEED_DATASET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._:-]{0,62}$/)
    .default('local-simulator'),
  MARKET_FEED_SEQUENCED: z.enum(['true', 'false']).default('true'),
  ALPACA_API_KEY_ID: z.string().min(1).default('local'),
  ALPACA_API_SECRET_KEY: z.string().min(1).default('local'),
  MARKET_FEED_TRADES: symbolList.default(['*']),
  MARKET_FEED_QUOTES: symbolList.default(['*']),
  MARKET_FEED_BROADCAST_MS: z.coerce.number().int().min(50).default(250),
});

const parsed = Env.safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues) console.error(`${issue.path.join('.')}: ${issue.message}`);
  process.exit(1);
}
const env = parsed.data;

const sql = connectPostgres(env.DATABASE_URL, { max: 2, onnotice: () => {} });
const ingester = await startIngester({
  sql,
  dataset: { name: env.MARKET_FEED_DATASET, sequenced: env.MARKET_FEED_SEQUENCED === 'true' },
  feedUrl: env.MARKET_FEED_URL,
  key: env.ALPACA_API_KEY_ID,
  secret: env.ALPACA_API_SECRET_KEY,
  subscription: { trades: env.MARKET_FEED_TRADES, quotes: env.MARKET_FEED_QUOTES },
  broadcaster: new QuoteBroadcaster({
    supabaseUrl: env.SUPABASE_URL,
    serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY,
    intervalMs: env.MARKET_FEED_BROADCAST_MS,
    log: console.error,
  }),
  log: (line) => console.log(line),
});
console.log(
  `ingesting ${env.MARKET_FEED_URL} into dataset ${env.MARKET_FEED_DATASET} (${ingester.datasetId})`,
);

const stop = () =>
  void ingester
    .stop()
    .then(() => sql.end())
    .then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
