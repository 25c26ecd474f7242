// `npm run supabase -- <args>`: the project's pinned Supabase CLI, e.g. `npm run supabase -- db push --db-url ...`.
import { spawn } from 'node:child_process';
import { supabaseBinary } from './supabase-cli.ts';

const child = spawn(supabaseBinary(), process.argv.slice(2), { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
