'use client';

import type { NodeOverview } from '@tessera/api';
import { useMutation } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useState } from 'react';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { useTRPC } from '@/trpc/client';

/** The operator actions on the Topology page (each a `cluster.*` mutation, audited there). */
export type NodeAction =
  | { readonly kind: 'add'; readonly zone: string | undefined }
  | { readonly kind: 'drain' | 'remove' | 'kill' | 'restart'; readonly nodeId: number };

/** The page's answer to the last action: what was done, or why not. */
export interface ActionOutcome {
  readonly ok: boolean;
  readonly text: string;
}

interface Wording {
  readonly title: string;
  readonly confirm: string;
  readonly danger: boolean;
  readonly what: ReactNode;
}

function wordingOf(action: NodeAction): Wording {
  switch (action.kind) {
    case 'add':
      return {
        title:
          action.zone === undefined ? 'Add a data node' : `Add a data node in zone ${action.zone}`,
        confirm: 'Add node',
        danger: false,
        what: (
          <p>
            Starts a new data node{' '}
            {action.zone === undefined ? (
              'in the zone with the fewest nodes'
            ) : (
              <>
                in zone <span className="mono">{action.zone}</span>
              </>
            )}
            . Once it registers, the rebalancer moves slices to it in the background.
          </p>
        ),
      };
    case 'drain':
      return {
        title: `Drain node ${action.nodeId}`,
        confirm: 'Drain',
        danger: false,
        what: (
          <p>
            Marks node {action.nodeId} draining: the rebalancer moves its replicas and rankings to
            the other nodes, one slice at a time. It keeps serving until they have moved; remove it
            once it holds nothing.
          </p>
        ),
      };
    case 'remove':
      return {
        title: `Remove node ${action.nodeId}`,
        confirm: 'Remove',
        danger: true,
        what: (
          <p>
            Removes node {action.nodeId} from the cluster for good and stops it; its id is never
            reused. The control plane refuses while it still holds slice members: drain it first.
          </p>
        ),
      };
    case 'kill':
      return {
        title: `Kill node ${action.nodeId}`,
        confirm: 'Kill',
        danger: true,
        what: (
          <p>
            Stops node {action.nodeId} as a crash would (its disk is kept). The control plane marks
            it down after missed heartbeats, ranks its slices elsewhere and, if it stays down,
            re-replicates them. Restart brings it back.
          </p>
        ),
      };
    case 'restart':
      return {
        title: `Restart node ${action.nodeId}`,
        confirm: 'Restart',
        danger: false,
        what: (
          <p>
            Reopens node {action.nodeId} from its own disk. Its replicas catch up from their leaders
            and its heartbeats mark it up again.
          </p>
        ),
      };
  }
}

function successText(action: NodeAction, added: { nodeId: number; zone: string } | null): string {
  switch (action.kind) {
    case 'add':
      return added === null
        ? 'Node added.'
        : `Node ${added.nodeId} added in zone ${added.zone}; the rebalancer moves slices to it.`;
    case 'drain':
      return `Node ${action.nodeId} is draining: the rebalancer moves its replicas away.`;
    case 'remove':
      return `Node ${action.nodeId} removed from the cluster.`;
    case 'kill':
      return `Node ${action.nodeId} killed; it shows down once its heartbeats are missed.`;
    case 'restart':
      return `Node ${action.nodeId} restarted; its replicas catch up.`;
  }
}

/**
 * One confirmation dialog for every action of the page: `ask` opens it for an action, Confirm
 * runs the mutation (pending while it runs, the server's message in the dialog on failure), and
 * `onDone` hears the outcome of one that succeeded.
 */
export function useNodeActions(onDone: (outcome: ActionOutcome) => void): {
  ask: (action: NodeAction) => void;
  pending: boolean;
  dialog: ReactNode;
} {
  const trpc = useTRPC();
  const [action, setAction] = useState<NodeAction | null>(null);
  const [error, setError] = useState<string | null>(null);
  const add = useMutation(trpc.cluster.addNode.mutationOptions());
  const drain = useMutation(trpc.cluster.drainNode.mutationOptions());
  const remove = useMutation(trpc.cluster.removeNode.mutationOptions());
  const kill = useMutation(trpc.cluster.killNode.mutationOptions());
  const restart = useMutation(trpc.cluster.restartNode.mutationOptions());
  const pending = [add, drain, remove, kill, restart].some((m) => m.isPending);

  const run = async (a: NodeAction): Promise<{ nodeId: number; zone: string } | null> => {
    switch (a.kind) {
      case 'add':
        return add.mutateAsync(a.zone === undefined ? {} : { zone: a.zone });
      case 'drain':
        await drain.mutateAsync({ nodeId: a.nodeId });
        return null;
      case 'remove':
        await remove.mutateAsync({ nodeId: a.nodeId });
        return null;
      case 'kill':
        await kill.mutateAsync({ nodeId: a.nodeId });
        return null;
      case 'restart':
        await restart.mutateAsync({ nodeId: a.nodeId });
        return null;
    }
  };

  const confirm = () => {
    if (action === null || pending) return;
    setError(null);
    run(action).then(
      (added) => {
        setAction(null);
        onDone({ ok: true, text: successText(action, added) });
      },
      (err: unknown) => {
        setError(err instanceof Error ? err.message : String(err));
      },
    );
  };

  const wording = action === null ? null : wordingOf(action);
  return {
    ask: (a) => {
      setError(null);
      setAction(a);
    },
    pending,
    dialog: (
      <ConfirmDialog
        open={action !== null}
        title={wording?.title ?? ''}
        confirmLabel={wording?.confirm ?? 'Confirm'}
        danger={wording?.danger ?? false}
        pending={pending}
        error={error}
        onConfirm={confirm}
        onCancel={() => {
          setAction(null);
          setError(null);
        }}
      >
        {wording?.what}
      </ConfirmDialog>
    ),
  };
}

/** A node's action buttons: drain, remove, kill or restart (as its state allows). */
export function NodeActionButtons({
  node,
  busy,
  ask,
}: {
  node: NodeOverview;
  busy: boolean;
  ask: (action: NodeAction) => void;
}) {
  const button = (
    kind: 'drain' | 'remove' | 'kill' | 'restart',
    label: string,
    enabled: boolean,
    why: string,
  ) => (
    <button
      type="button"
      className={kind === 'remove' || kind === 'kill' ? 'danger' : 'secondary'}
      disabled={busy || !enabled}
      title={enabled ? undefined : why}
      aria-label={`${label} node ${node.id}`}
      data-testid={`action-${kind}`}
      onClick={() => {
        ask({ kind, nodeId: node.id });
      }}
    >
      {label}
    </button>
  );
  return (
    <div className="node-actions">
      {button('drain', 'Drain', node.state === 'up', `node ${node.id} is ${node.state}`)}
      {button('remove', 'Remove', node.state !== 'removed', `node ${node.id} is removed`)}
      {button('kill', 'Kill', node.running, `node ${node.id} is not running`)}
      {button('restart', 'Restart', !node.running, `node ${node.id} is running`)}
    </div>
  );
}
