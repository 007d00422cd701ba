'use client';

import { useEffect, useEffectEvent, useState } from 'react';
import { metricsWindowMs } from '@/components/metrics';

/** How often a chart asks for new samples: the server takes one a second. */
const samplePollMs = 1_000;

export interface SampleStream<T> {
  /** Oldest first, the last `metricsWindowMs` before the newest. */
  readonly samples: readonly T[];
  /** Why the last poll failed (the samples are the last good ones), or null. */
  readonly error: Error | null;
  /** Whether the first poll answered (an empty list then means: no samples yet). */
  readonly loaded: boolean;
}

interface Held<T> extends SampleStream<T> {
  readonly key: string;
}

const toError = (error: unknown): Error =>
  error instanceof Error ? error : new Error(String(error));

/**
 * A time series held in the browser and grown by polling (`useClusterSamples` does the same for
 * the cluster's samples, shared between pages; this one is per key, for a slice's): each poll asks only for the samples
 * after the newest one held (`sinceMs`), so a second's poll carries one sample, not fifteen
 * minutes of them. `key` names the series; a new key starts over (another slice, say).
 *
 * Polls run one after the other (the next is scheduled once the last answered), so a slow
 * server never has several in flight; a failed poll keeps the samples and tries again.
 */
export function useSampleStream<T extends { readonly at: number }>(
  key: string,
  fetchSince: (sinceMs: number | undefined, signal: AbortSignal) => Promise<readonly T[]>,
): SampleStream<T> {
  const [held, setHeld] = useState<Held<T>>({ key, samples: [], error: null, loaded: false });
  const fetchEvent = useEffectEvent(fetchSince);

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let newestAt: number | undefined;
    const poll = async () => {
      try {
        const fresh = await fetchEvent(newestAt, abort.signal);
        if (abort.signal.aborted) return;
        newestAt = fresh.at(-1)?.at ?? newestAt;
        setHeld((prev) => appendSamples(prev, key, fresh));
      } catch (error) {
        if (abort.signal.aborted) return;
        setHeld((prev) =>
          prev.key === key
            ? { ...prev, error: toError(error) }
            : { key, samples: [], error: toError(error), loaded: false },
        );
      }
      timer = setTimeout(() => void poll(), samplePollMs);
    };
    void poll();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [key]);

  // Until the first answer for a new key, the old key's samples are not this series'.
  return held.key === key ? held : { samples: [], error: null, loaded: false };
}

/** `fresh` appended to what is held for `key` (nothing kept from another key), trimmed. */
function appendSamples<T extends { readonly at: number }>(
  prev: Held<T>,
  key: string,
  fresh: readonly T[],
): Held<T> {
  const base = prev.key === key ? prev.samples : [];
  const lastAt = base.at(-1)?.at ?? -Infinity;
  const added = fresh.filter((s) => s.at > lastAt);
  if (prev.key === key && prev.loaded && prev.error === null && added.length === 0) {
    return prev; // Nothing new: keep the same object so nothing re-renders.
  }
  const all = added.length === 0 ? base : [...base, ...added];
  const newest = all.at(-1)?.at ?? 0;
  const firstKept = all.findIndex((s) => s.at > newest - metricsWindowMs);
  return {
    key,
    samples: firstKept <= 0 ? all : all.slice(firstKept),
    error: null,
    loaded: true,
  };
}
