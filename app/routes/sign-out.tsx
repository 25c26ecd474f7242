import type { ActionFunctionArgs } from '@remix-run/server-runtime';
import { redirect } from '@remix-run/server-runtime';
import { supabaseForRequest } from '../supabase.server.ts';

export async function action({ request }: ActionFunctionArgs) {
  const { supabase, headers } = supabaseForRequest(request);
  await supabase.auth.signOut();
  return redirect('/sign-in', { headers });
}

export const loader = () => redirect('/dashboard');
