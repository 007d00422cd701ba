'use client';

import { useState } from 'react';
import { fieldText } from '@/lib/form';
import type { SubmitEvent } from '@/lib/form';
import type { NodeAction } from './node-actions';

/** The API's rule for a zone name (packages/api routers/cluster.ts, `zoneNameProblem` in sql). */
const zonePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Why a typed zone name is not one, or null when it is (or is empty: the host chooses). */
export function zoneProblem(zone: string): string | null {
  if (zone === '') return null;
  if (zone.length > 64) return 'A zone name has at most 64 characters.';
  if (!zonePattern.test(zone)) {
    return 'A zone name is letters, digits, _, . and -, starting with a letter or digit.';
  }
  return null;
}

/** Add node: a zone chosen from the existing ones or typed, then the confirmation dialog. */
export function AddNodeForm({
  zones,
  busy,
  ask,
}: {
  zones: readonly string[];
  busy: boolean;
  ask: (action: NodeAction) => void;
}) {
  const [problem, setProblem] = useState<string | null>(null);
  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const zone = fieldText(new FormData(event.currentTarget), 'zone').trim();
    const why = zoneProblem(zone);
    setProblem(why);
    if (why === null) ask({ kind: 'add', zone: zone === '' ? undefined : zone });
  };
  return (
    <form
      className="form-row section"
      onSubmit={onSubmit}
      aria-label="Add node"
      data-testid="add-node-form"
      noValidate
    >
      <label>
        Zone (an existing one or a new name; empty: the zone with the fewest nodes)
        <input
          name="zone"
          list="topology-zones"
          maxLength={64}
          autoComplete="off"
          aria-invalid={problem !== null}
          aria-describedby={problem === null ? undefined : 'add-node-problem'}
          data-testid="add-node-zone"
        />
        <datalist id="topology-zones">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </label>
      <button type="submit" disabled={busy} data-testid="add-node">
        Add node
      </button>
      {problem === null ? null : (
        <p id="add-node-problem" className="error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
