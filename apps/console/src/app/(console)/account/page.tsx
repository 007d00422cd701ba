'use client';

import { useMutation } from '@tanstack/react-query';
import { PageHead } from '@/components/page-head';
import { useTRPC } from '@/trpc/client';
import { fieldText } from '@/lib/form';
import type { SubmitEvent } from '@/lib/form';

export default function AccountPage() {
  const trpc = useTRPC();
  const change = useMutation(trpc.auth.changePassword.mutationOptions());
  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    change.mutate(
      {
        currentPassword: fieldText(form, 'currentPassword'),
        newPassword: fieldText(form, 'newPassword'),
      },
      {
        onSuccess: () => {
          formElement.reset();
        },
      },
    );
  };
  return (
    <>
      <PageHead title="Account">Change the password you sign in with.</PageHead>
      <form className="card form-row" onSubmit={onSubmit} aria-label="Change password">
        <label>
          Current password
          <input name="currentPassword" type="password" required autoComplete="current-password" />
        </label>
        <label>
          New password (10+ characters)
          <input
            name="newPassword"
            type="password"
            required
            minLength={10}
            autoComplete="new-password"
          />
        </label>
        <button type="submit" disabled={change.isPending}>
          Change password
        </button>
      </form>
      {change.isSuccess ? <p role="status">Password changed.</p> : null}
      {change.isError ? (
        <p className="error" role="alert">
          {change.error.message}
        </p>
      ) : null}
    </>
  );
}
