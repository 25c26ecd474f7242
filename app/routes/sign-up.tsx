import type { MetaFunction } from '@remix-run/react';
import { Form, Link, useActionData, useNavigation, useSearchParams } from '@remix-run/react';
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/server-runtime';
import { json, redirect } from '@remix-run/server-runtime';
import { authErrorField, signUpSchema } from '../auth-forms.server.ts';
import { AuthCard } from '../components/auth-card.tsx';
import { Field, FormError } from '../components/field.tsx';
import { formResult } from '../components/form-result.ts';
import { failure, parseForm } from '../forms.server.ts';
import { safeRedirect, supabaseForRequest } from '../supabase.server.ts';

export const meta: MetaFunction = () => [{ title: 'Create your account · Nexural' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { supabase, headers } = supabaseForRequest(request);
  const { data } = await supabase.auth.getUser();
  if (data.user) throw redirect('/dashboard', { headers });
  return json({}, { headers });
}

export async function action({ request }: ActionFunctionArgs) {
  const parsed = parseForm(signUpSchema, await request.formData());
  if (!parsed.ok) return json(parsed, { status: 400 });
  const { supabase, headers } = supabaseForRequest(request);
  const { data, error } = await supabase.auth.signUp({
    email: parsed.data.email,
    password: parsed.data.password,
  });
  if (error) {
    const [field, message] = authErrorField(error);
    const values = { email: parsed.values.email ?? '' };
    return json(field === 'form' ? failure(values, {}, message) : failure(values, { [field]: message }), {
      status: error.status && error.status < 500 ? error.status : 400,
    });
  }
  if (!data.session) {
    return json({ ok: true as const, confirm: true }, { headers });
  }
  // A new trader starts with one funded paper portfolio.
  await supabase.rpc('create_portfolio', { name: 'Main', starting_cash: 100000 });
  return redirect(safeRedirect(parsed.data.redirectTo), { headers });
}

export default function SignUp() {
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === 'submitting';
  if (result && 'confirm' in result) {
    return (
      <AuthCard title="Check your email">
        <p>We sent you a link to confirm your address. Follow it, then sign in.</p>
      </AuthCard>
    );
  }
  const { errors, formError, values } = formResult(result);
  return (
    <AuthCard title="Create your account">
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
          autoComplete="new-password"
          required
          minLength={8}
          hint="At least 8 characters."
          error={errors.password}
        />
        <Field
          name="confirm"
          label="Repeat password"
          type="password"
          autoComplete="new-password"
          required
          error={errors.confirm}
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating account…' : 'Create account'}
        </button>
      </Form>
      <p className="muted">
        Already trading? <Link to={`/sign-in${params.size ? `?${params}` : ''}`}>Sign in</Link>
      </p>
    </AuthCard>
  );
}
