// Reading an action's answer in a component: field errors, the form-level error and the values sent back.
export interface FormResultLike {
  ok?: boolean;
  fieldErrors?: Record<string, string>;
  formError?: string;
  values?: Record<string, string>;
}

export function formResult(data: unknown) {
  const r = (data ?? {}) as FormResultLike;
  const failed = r.ok === false;
  return {
    errors: (failed ? (r.fieldErrors ?? {}) : {}) as Record<string, string | undefined>,
    formError: failed ? r.formError : undefined,
    values: (failed ? (r.values ?? {}) : {}) as Record<string, string | undefined>,
  };
}
