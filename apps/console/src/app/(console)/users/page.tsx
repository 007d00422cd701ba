'use client';

import type { Role } from '@tessera/api';
import { roles } from '@tessera/api/roles';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { PageHead } from '@/components/page-head';
import { Loading, QueryError } from '@/components/query-state';
import { useTRPC } from '@/trpc/client';
import { fieldText } from '@/lib/form';
import type { SubmitEvent } from '@/lib/form';

const isRole = (v: unknown): v is Role => roles.some((r) => r === v);

export default function UsersPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const done = (text: string) => ({
    onSuccess: async () => {
      setMessage({ ok: true, text });
      await queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
    },
    onError: (err: { message: string }) => {
      setMessage({ ok: false, text: err.message });
    },
  });
  const create = useMutation(trpc.users.create.mutationOptions(done('User created.')));
  const setRole = useMutation(trpc.users.setRole.mutationOptions(done('Role changed.')));
  const setDisabled = useMutation(trpc.users.setDisabled.mutationOptions(done('User updated.')));
  const remove = useMutation(trpc.users.remove.mutationOptions(done('User removed.')));
  const reset = useMutation(
    trpc.users.resetPassword.mutationOptions(done('Password reset; the user was signed out.')),
  );

  const onCreate = (event: SubmitEvent) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const role = form.get('role');
    if (!isRole(role)) return;
    create.mutate(
      { loginName: fieldText(form, 'loginName'), password: fieldText(form, 'password'), role },
      {
        onSuccess: () => {
          formElement.reset();
        },
      },
    );
  };

  return (
    <>
      <PageHead title="Users">
        Console accounts and their roles: viewers look, operators act on the cluster, admins also
        manage users.
      </PageHead>
      {message ? (
        <p className={message.ok ? 'muted' : 'error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      ) : null}
      <form className="card form-row" onSubmit={onCreate} aria-label="Create user">
        <label>
          Login name
          <input name="loginName" required maxLength={64} />
        </label>
        <label>
          Password (10+ characters)
          <input
            name="password"
            type="password"
            required
            minLength={10}
            autoComplete="new-password"
          />
        </label>
        <label>
          Role
          <select name="role" defaultValue="viewer">
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={create.isPending}>
          Create user
        </button>
      </form>
      <div className="card section">
        {users.isError ? <QueryError error={users.error} /> : null}
        {users.isPending ? <Loading what="users" /> : null}
        {users.data ? (
          <table data-testid="users-table">
            <thead>
              <tr>
                <th>Login</th>
                <th>Role</th>
                <th>Status</th>
                <th>Signed-in sessions</th>
                <th>Created</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((u) => (
                <tr key={u.id}>
                  <td>{u.loginName}</td>
                  <td>
                    <select
                      aria-label={`Role of ${u.loginName}`}
                      value={u.role}
                      onChange={(e) => {
                        if (isRole(e.target.value))
                          setRole.mutate({ id: u.id, role: e.target.value });
                      }}
                    >
                      {roles.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <span className={`badge ${u.disabled ? 'bad' : 'ok'}`}>
                      {u.disabled ? 'disabled' : 'active'}
                    </span>
                  </td>
                  <td>{u.activeSessions}</td>
                  <td className="mono">{u.createdAt.toLocaleString()}</td>
                  <td className="form-row">
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => {
                        setDisabled.mutate({ id: u.id, disabled: !u.disabled });
                      }}
                    >
                      {u.disabled ? 'Enable' : 'Disable'}
                    </button>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => {
                        const password = window.prompt(
                          `New password for ${u.loginName} (10+ characters)`,
                        );
                        if (password) reset.mutate({ id: u.id, password });
                      }}
                    >
                      Reset password
                    </button>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => {
                        if (window.confirm(`Remove user ${u.loginName}?`))
                          remove.mutate({ id: u.id });
                      }}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
    </>
  );
}
