'use client';

import type { SqlSessionInfo } from '@tessera/api';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useState } from 'react';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { useTRPC } from '@/trpc/client';

/** What an operator asked to kill: the whole connection, or only its running statement. */
export interface KillRequest {
  readonly session: SqlSessionInfo;
  readonly scope: 'connection' | 'query';
}

function wordingOf({ session, scope }: KillRequest): {
  title: string;
  confirm: string;
  what: ReactNode;
} {
  const who = (
    <>
      session {session.id} (<span className="mono">{session.user}</span> from{' '}
      <span className="mono">{session.host}</span>)
    </>
  );
  return scope === 'connection'
    ? {
        title: `Kill connection ${session.id}`,
        confirm: 'Kill connection',
        what: (
          <p>
            Closes {who}. A statement it is running stops and an open transaction rolls back; the
            client sees its connection lost and must reconnect.
          </p>
        ),
      }
    : {
        title: `Kill the query of session ${session.id}`,
        confirm: 'Kill query',
        what: (
          <p>
            Stops the statement {who} is running at its next storage read, row written or pause; the
            client gets an error for it (ER_QUERY_INTERRUPTED) and keeps its connection.
          </p>
        ),
      };
}

function successText({ session, scope }: KillRequest): string {
  return scope === 'connection'
    ? `Connection ${session.id} killed.`
    : `The statement of session ${session.id} was interrupted; the connection stays open.`;
}

/**
 * The kill confirmation of the Sessions page: `ask` opens it, Confirm runs `sessions.kill`
 * (audited by the API), the server's refusal (the session ended meanwhile) stays in the dialog,
 * and `onDone` hears what was done.
 */
export function useKillSession(onDone: (text: string) => void): {
  ask: (request: KillRequest) => void;
  pending: boolean;
  dialog: ReactNode;
} {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [request, setRequest] = useState<KillRequest | null>(null);
  const [error, setError] = useState<string | null>(null);
  const kill = useMutation(trpc.sessions.kill.mutationOptions());

  const confirm = () => {
    if (request === null || kill.isPending) return;
    setError(null);
    kill.mutateAsync({ id: request.session.id, scope: request.scope }).then(
      () => {
        setRequest(null);
        onDone(successText(request));
        void queryClient.invalidateQueries({ queryKey: trpc.sessions.list.queryKey() });
      },
      (err: unknown) => {
        setError(err instanceof Error ? err.message : String(err));
      },
    );
  };

  const wording = request === null ? null : wordingOf(request);
  return {
    ask: (r) => {
      setError(null);
      setRequest(r);
    },
    pending: kill.isPending,
    dialog: (
      <ConfirmDialog
        open={request !== null}
        title={wording?.title ?? ''}
        confirmLabel={wording?.confirm ?? 'Kill'}
        danger
        pending={kill.isPending}
        error={error}
        onConfirm={confirm}
        onCancel={() => {
          setRequest(null);
          setError(null);
        }}
      >
        {wording?.what}
      </ConfirmDialog>
    ),
  };
}
