'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRouter, useSearchParams } from 'next/navigation';
import { Suspense, useState } from 'react';
import { useTRPC } from '@/trpc/client';
import type { SubmitEvent } from '@/lib/form';

function LoginForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const params = useSearchParams();
  const [loginName, setLoginName] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
        const next = params.get('next');
        // Only same-site paths: an open redirect would let a link send users elsewhere.
        router.replace(next?.startsWith('/') && !next.startsWith('//') ? next : '/');
      },
    }),
  );
  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    login.mutate({ loginName, password });
  };

  return (
    <form onSubmit={onSubmit} aria-label="Sign in">
      <label>
        Login name
        <input
          name="loginName"
          autoComplete="username"
          value={loginName}
          onChange={(e) => {
            setLoginName(e.target.value);
          }}
          autoFocus
          required
        />
      </label>
      <label>
        Password
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => {
            setPassword(e.target.value);
          }}
          required
        />
      </label>
      {login.isError ? (
        <p className="error" role="alert">
          {login.error.message}
        </p>
      ) : null}
      <button type="submit" disabled={login.isPending}>
        {login.isPending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

export default function LoginPage() {
  return (
    <div className="login-wrap">
      <div className="card login">
        <h1>Sign in to Tessera</h1>
        <p className="muted">
          On first start the server prints the <code>admin</code> password and writes it to{' '}
          <code>&lt;data-dir&gt;/initial-admin-password</code>, unless TESSERA_ADMIN_PASSWORD was
          set.
        </p>
        <Suspense>
          <LoginForm />
        </Suspense>
      </div>
    </div>
  );
}
