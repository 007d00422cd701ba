'use client';

import type { DbAccountRef, Role, UserSummary } from '@tessera/api';
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
  const setDbAccount = useMutation(
    trpc.users.setDbAccount.mutationOptions(done('Database account changed.')),
  );
  const me = useQuery(trpc.auth.me.queryOptions());
  const isAdmin = me.data?.role === 'admin';

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
        manage users. The database account is who the SQL page runs a user&apos;s statements as
        (create it with CREATE USER and GRANT); without one, the SQL page runs nothing.
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
                <th>Database account</th>
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
                  <td>
                    <DbAccountCell
                      user={u}
                      editable={isAdmin}
                      busy={setDbAccount.isPending}
                      onSave={(dbAccount, onSaved) => {
                        setDbAccount.mutate({ id: u.id, dbAccount }, { onSuccess: onSaved });
                      }}
                    />
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

const accountName = (a: DbAccountRef) => `'${a.user}'@'${a.host}'`;

/**
 * A user's database account for the SQL page; an admin sets, changes or clears it in place.
 * The server validates it (a MySQL user name of 1..32 characters, a host of 1..255, `%` by
 * default) and its refusal shows in the page's message.
 */
function DbAccountCell({
  user,
  editable,
  busy,
  onSave,
}: {
  user: UserSummary;
  editable: boolean;
  busy: boolean;
  onSave: (dbAccount: DbAccountRef | null, onSaved: () => void) => void;
}) {
  const [editing, setEditing] = useState(false);
  const current = user.dbAccount;
  if (!editing) {
    return (
      <span className="form-row" data-testid={`db-account-${user.loginName}`}>
        {current === null ? (
          <span className="muted">none</span>
        ) : (
          <code>{accountName(current)}</code>
        )}
        {editable ? (
          <button
            type="button"
            className="secondary"
            aria-label={`${current === null ? 'Set' : 'Change'} the database account of ${user.loginName}`}
            onClick={() => {
              setEditing(true);
            }}
          >
            {current === null ? 'Set' : 'Change'}
          </button>
        ) : null}
      </span>
    );
  }
  const close = () => {
    setEditing(false);
  };
  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const host = fieldText(form, 'host').trim();
    onSave({ user: fieldText(form, 'user').trim(), host: host === '' ? '%' : host }, close);
  };
  return (
    <form
      className="form-row"
      onSubmit={onSubmit}
      aria-label={`Database account of ${user.loginName}`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') close();
      }}
    >
      <label>
        User
        <input
          name="user"
          required
          maxLength={32}
          size={10}
          defaultValue={current?.user ?? ''}
          autoFocus
        />
      </label>
      <label>
        Host
        <input name="host" maxLength={255} size={8} defaultValue={current?.host ?? '%'} />
      </label>
      <button type="submit" disabled={busy}>
        Save
      </button>
      {current === null ? null : (
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() => {
            onSave(null, close);
          }}
        >
          Clear
        </button>
      )}
      <button type="button" className="secondary" onClick={close}>
        Cancel
      </button>
    </form>
  );
}
