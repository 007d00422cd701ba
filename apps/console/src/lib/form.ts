import type { SyntheticEvent } from 'react';

/** A submitted form's event, as React hands it to onSubmit. */
export type SubmitEvent = SyntheticEvent<HTMLFormElement>;

/** The text of a form field; a file input or a missing field gives ''. */
export function fieldText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}
