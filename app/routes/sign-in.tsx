import type { MetaFunction } from '@remix-run/react';
import { Form, Link, useActionData, useNavigation, useSearchParams } from '@remix-run/react';
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/server-runtime';
import { json, redirect } from '@remix-run/server-runtime';
import { authErrorField, signInSchema } from '../auth-forms.server.ts';
import { AuthCard } from '../components/auth-card.tsx';
import { Field, FormError } from '../components/field.tsx';
import { formResult } from '../components/form-result.ts';
import { failure, parseForm } from '../forms.server.ts';
import { safeRedirect, supabaseForRequest } from '../supabase.server.ts';

export const meta: MetaFunction = () => [{ title: 'Sign in · Nexural' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { supabase, headers } = supabaseForRequest(request);
  const { data } = await supabase.auth.getUser();
  if (data.user)
    throw redirect(safeRedirect(new URL(request.url).searchParams.get('redirectTo')), { headers });
  return json({}, { headers });
}

export async function action({ request }: ActionFunctionArgs) {
  const parsed = parseForm(signInSchema, await request.formData());
  if (!parsed.ok) return json(parsed, { status: 400 });
  const { supabase, headers } = supabaseForRequest(request);
  const { error } = await supabase.auth.signInWithPassword({
    email: parsed.data.email,
    password: parsed.data.password,
  });
  if (error) {
    const [field, message] = authErrorField(error);
    const values = { email: parsed.values.email ?? '' };
    return json(field === 'form' ? failure(values, {}, message) : failure(values, { [field]: message }), {
      status: 400,
    });
  }
  return redirect(safeRedirect(parsed.data.redirectTo), { headers });
}

export default function SignIn() {
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === 'submitting';
  const { errors, formError, values } = formResult(result);
  return (
    <AuthCard title="Sign in">
      <Form method="post" noValidate className="stack">
        <FormError error={formError} />
        <input type="hidden" name="redirectTo" value={params.get('redirectTo') ?? '/dashboard'} />
        <Field
          name="email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          defaultValue={values.email}
          error={errors.email}
        />
        <Field
          name="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          error={errors.password}
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </Form>
      <p className="muted">
        New here? <Link to={`/sign-up${params.size ? `?${params}` : ''}`}>Create an account</Link>
      </p>
    </AuthCard>
  );
}
