// Account settings: display name (profiles, under RLS) and password (Auth's user update).
import type { MetaFunction } from '@remix-run/react';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/server-runtime';
import { json } from '@remix-run/server-runtime';
import { z } from 'zod';
import { authErrorField, passwordChangeSchema } from '../auth-forms.server.ts';
import { Field, FormError } from '../components/field.tsx';
import { formResult } from '../components/form-result.ts';
import { dbFailure, failure, parseForm } from '../forms.server.ts';
import { requireUser } from '../supabase.server.ts';

export const meta: MetaFunction = () => [{ title: 'Settings · Nexural' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { supabase, headers, user } = await requireUser(request);
  const { data, error } = await supabase
    .from('profiles')
    .select('display_name')
    .eq('id', user.id)
    .maybeSingle();
  if (error) throw new Response(error.message, { status: 502 });
  return json({ email: user.email ?? '', displayName: data?.display_name ?? '' }, { headers });
}

const profileSchema = z.object({
  display_name: z
    .string({ message: 'Enter a display name.' })
    .max(80, { message: 'Use at most 80 characters.' }),
});

export async function action({ request }: ActionFunctionArgs) {
  const { supabase, headers, user } = await requireUser(request);
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const answer = (body: object, status = 200) => json({ ...body, intent }, { status, headers });
  if (intent === 'profile') {
    const parsed = parseForm(profileSchema, form);
    if (!parsed.ok) return answer(parsed, 400);
    const { error } = await supabase
      .from('profiles')
      .update({ display_name: parsed.data.display_name })
      .eq('id', user.id);
    if (error) return answer(dbFailure(parsed.values, error), 400);
    return answer({ ok: true, notice: 'Display name saved.' });
  }
  if (intent === 'password') {
    const parsed = parseForm(passwordChangeSchema, form);
    if (!parsed.ok) return answer({ ...parsed, values: {} }, 400);
    const { error } = await supabase.auth.updateUser({ password: parsed.data.password });
    if (error) {
      const [field, message] = authErrorField(error);
      return answer(field === 'form' ? failure({}, {}, message) : failure({}, { [field]: message }), 400);
    }
    return answer({ ok: true, notice: 'Password changed.' });
  }
  return answer(failure({}, {}, 'Unknown action.'), 400);
}

export default function Settings() {
  const { email, displayName } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const notice = result && 'notice' in result ? String(result.notice) : null;
  const profile = formResult(result?.intent === 'profile' ? result : undefined);
  const password = formResult(result?.intent === 'password' ? result : undefined);
  return (
    <div className="page">
      <h1>Settings</h1>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <div className="grid-2">
        <section className="panel" aria-labelledby="profile-h">
          <h2 id="profile-h">Profile</h2>
          <p>
            Signed in as <strong>{email}</strong>
          </p>
          <Form method="post" noValidate className="stack">
            <input type="hidden" name="intent" value="profile" />
            <FormError error={profile.formError} />
            <Field
              name="display_name"
              label="Display name"
              maxLength={80}
              defaultValue={profile.values.display_name ?? displayName}
              error={profile.errors.display_name}
              hint="Shown in the app and to the Discord companion."
            />
            <div>
              <button type="submit" className="primary">
                Save
              </button>
            </div>
          </Form>
        </section>
        <section className="panel" aria-labelledby="password-h">
          <h2 id="password-h">Change password</h2>
          <Form method="post" noValidate className="stack">
            <input type="hidden" name="intent" value="password" />
            <FormError error={password.formError} />
            <Field
              name="password"
              label="New password"
              type="password"
              autoComplete="new-password"
              hint="At least 8 characters."
              error={password.errors.password}
            />
            <Field
              name="confirm"
              label="Repeat new password"
              type="password"
              autoComplete="new-password"
              error={password.errors.confirm}
            />
            <div>
              <button type="submit" className="primary">
                Change password
              </button>
            </div>
          </Form>
        </section>
      </div>
    </div>
  );
}
