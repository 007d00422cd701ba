import type {
  ClusterEvent,
  ClusterMetricSample,
  ClusterOverview,
  EventQuery,
  Hotspot,
  MetricsService,
  NodeMetricSample,
  RebalancerActivityEntry,
  RebalancerActivityQuery,
  SliceMetricSample,
} from '@tessera/api';
import { OverviewDiff, rebalancerEvents } from './cluster-events';
import type { EventDraft } from './cluster-events';
import { findHotspots } from './hotspots';
import { LatencyHistogram } from './latency-histogram';
import { Ring } from './ring';
import { SliceSeries } from './slice-series';

/** What the recorder samples: the embedded cluster and the MySQL listener, in the server. */
export interface MetricsSource {
  overview(): ClusterOverview;
  rebalancerActivity(query: RebalancerActivityQuery): readonly RebalancerActivityEntry[];
  /**
   * Each node's busy time (ms since it started serving reads and applying entries) as last
   * reported, with when the report arrived (ms, the `now` clock's epoch).
   */
  nodeBusyTimes(): ReadonlyMap<number, { readonly busyMs: number; readonly atMs: number }>;
  /** SQL sessions connected now. */
  sessions(): number;
}

export interface MetricsRecorderOptions {
  readonly source: MetricsSource;
  /** Epoch ms: the samples' `at` and the events' time. */
  readonly now: () => number;
  /** Runs `fn` once after `ms` (the host: an unref'd timer, so it never keeps the process up). */
  readonly setTimer: (ms: number, fn: () => void) => { cancel(): void };
  /** Between samples (default 1000 ms). */
  readonly intervalMs?: number;
  /** Cluster samples kept (default 900: 15 minutes at one a second). */
  readonly clusterSamplesMax?: number;
  /** Samples kept per slice (default 300: 5 minutes). */
  readonly sliceSamplesMax?: number;
  /** Events kept (default 1000). */
  readonly eventsMax?: number;
  /** A busy-time report older than this gives no busy share (default 3000 ms, as the overview). */
  readonly busyReportStaleMs?: number;
}

/** The newest rebalancer entries looked at per sample; more only when all of them are new. */
const activityPeek = 50;
/** The control plane keeps this many entries: the most a catch-up can find. */
const activityKeptMax = 1000;

/**
 * The server's metrics (`ApiServices.metrics`): once a second it samples the cluster's overview
 * and the statements the SQL gateway finished since the last sample, and keeps in memory
 *
 * - cluster samples (statements/s, errors/s, p50 / p99 latency, sessions, per node reads/s,
 *   writes/s, bytes and busy share) for 15 minutes (`Ring`);
 * - per-slice reads/s, writes/s and bytes for 5 minutes (`SliceSeries`, typed arrays);
 * - the last 1000 events: overview changes (`OverviewDiff`) and new rebalancer decisions;
 * - the hotspots of the newest overview.
 *
 * Statement durations arrive through `statementEnded` (the gateway's StatementObserver) into a
 * log-bucket histogram per window (`LatencyHistogram`: percentiles within ±2.2 %).
 *
 * Busy share per node: the growth of its reported busy time between its two latest reports
 * over the time between them (reports every 500 ms), null before two reports, after its
 * counter went back (a restart) or once its report is stale (a stopped node).
 *
 * Everything is read on the event loop that calls it: no locks, no awaits.
 */
export class MetricsRecorder implements MetricsService {
  private readonly samples: Ring<ClusterMetricSample>;
  private readonly sliceSeries: SliceSeries;
  private readonly eventRing: Ring<ClusterEvent>;
  private readonly diff = new OverviewDiff();
  private readonly window = new LatencyHistogram();
  private windowErrors = 0;
  private windowStartMs: number;
  private nextEventId = 1;
  /** The newest rebalancer entry turned into an event (undefined until the first sample). */
  private lastActivityId: number | undefined;
  /** Each node's two latest distinct busy reports, newest last. */
  private readonly busyReports = new Map<number, BusyReport[]>();
  private latestHotspots: Hotspot[] = [];
  private timer: { cancel(): void } | undefined;
  private readonly intervalMs: number;
  private readonly busyReportStaleMs: number;

  constructor(private readonly options: MetricsRecorderOptions) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.busyReportStaleMs = options.busyReportStaleMs ?? 3000;
    this.samples = new Ring(options.clusterSamplesMax ?? 900);
    this.sliceSeries = new SliceSeries(options.sliceSamplesMax ?? 300);
    this.eventRing = new Ring(options.eventsMax ?? 1000);
    this.windowStartMs = options.now();
  }

  /** Samples every `intervalMs` until `stop`. */
  start(): void {
    if (this.timer !== undefined) return;
    const tick = () => {
      this.sample();
      this.timer = this.options.setTimer(this.intervalMs, tick);
    };
    this.timer = this.options.setTimer(this.intervalMs, tick);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** A statement finished on the SQL gateway (the StatementObserver's callback). */
  statementEnded(durationMicros: number, failed: boolean): void {
    this.window.record(durationMicros);
    if (failed) this.windowErrors++;
  }

  /** Takes one sample now: the window since the previous one ends here. */
  sample(): void {
    const at = this.options.now();
    const seconds = Math.max(at - this.windowStartMs, 1) / 1000;
    const overview = this.options.source.overview();
    const busy = this.busyPercents(at);
    const nodes: NodeMetricSample[] = overview.nodes.map((n) => ({
      node: n.id,
      readsPerSec: n.readsPerSec,
      writesPerSec: n.writesPerSec,
      bytes: n.bytes,
      busyPercent: busy.get(n.id) ?? null,
    }));
    this.samples.push({
      at,
      statementsPerSec: this.window.count / seconds,
      errorsPerSec: this.windowErrors / seconds,
      p50Ms: this.window.quantileMs(0.5),
      p99Ms: this.window.quantileMs(0.99),
      sessions: this.options.source.sessions(),
      nodes,
    });
    this.window.reset();
    this.windowErrors = 0;
    this.windowStartMs = at;
    this.sliceSeries.record(at, overview.slices);
    this.latestHotspots = findHotspots(overview);
    for (const draft of this.diff.next(overview)) this.addEvent(at, draft);
    for (const draft of this.newActivity()) this.addEvent(at, draft);
  }

  cluster(query: { readonly sinceMs?: number | undefined }): readonly ClusterMetricSample[] {
    const since = query.sinceMs;
    return this.samples.oldestFirstFrom((s) => since === undefined || s.at > since);
  }

  slice(
    sliceId: number,
    query: { readonly sinceMs?: number | undefined },
  ): readonly SliceMetricSample[] {
    return this.sliceSeries.samples(sliceId, query.sinceMs);
  }

  events(query: EventQuery): readonly ClusterEvent[] {
    const out: ClusterEvent[] = [];
    for (let back = 0; back < this.eventRing.size && out.length < query.limit; back++) {
      const event = this.eventRing.fromNewest(back);
      if (event === undefined) break;
      if (query.beforeId !== undefined && event.id >= query.beforeId) continue;
      if (query.slice !== undefined && event.slice !== query.slice) continue;
      out.push(event);
    }
    return out;
  }

  hotspots(): readonly Hotspot[] {
    return this.latestHotspots;
  }

  /** What the rings hold, for the memory estimate (README) and tests. */
  get footprint(): { clusterSamples: number; slices: number; sliceBytes: number; events: number } {
    return {
      clusterSamples: this.samples.size,
      slices: this.sliceSeries.sliceCount,
      sliceBytes: this.sliceSeries.columnBytes,
      events: this.eventRing.size,
    };
  }

  private addEvent(atMs: number, draft: EventDraft): void {
    this.eventRing.push({ id: this.nextEventId++, at: new Date(atMs), ...draft });
  }

  /**
   * Rebalancer entries newer than the last one seen, oldest first. The first sample only
   * notes where the history stands (older decisions are not news).
   */
  private newActivity(): EventDraft[] {
    const source = this.options.source;
    let entries = source.rebalancerActivity({ limit: activityPeek });
    const newest = entries[0]?.id;
    const seen = this.lastActivityId;
    if (newest === undefined) {
      this.lastActivityId ??= 0;
      return [];
    }
    this.lastActivityId = Math.max(newest, seen ?? 0);
    if (seen === undefined) return [];
    if (entries.every((a) => a.id > seen)) {
      entries = source.rebalancerActivity({ limit: activityKeptMax });
    }
    return rebalancerEvents(entries.filter((a) => a.id > seen).reverse());
  }

  private busyPercents(nowMs: number): Map<number, number> {
    const out = new Map<number, number>();
    for (const [node, report] of this.options.source.nodeBusyTimes()) {
      const reports = this.busyReports.get(node) ?? [];
      const newest = reports[reports.length - 1];
      if (newest === undefined || report.atMs > newest.atMs) {
        reports.push({ busyMs: report.busyMs, atMs: report.atMs });
        if (reports.length > 2) reports.shift();
        this.busyReports.set(node, reports);
      }
      const [older, latest] = reports;
      if (older === undefined || latest === undefined) continue;
      if (nowMs - latest.atMs > this.busyReportStaleMs) continue;
      const grew = latest.busyMs - older.busyMs;
      if (grew < 0) continue; // the node restarted: its counter began again
      out.set(node, Math.min(100, (100 * grew) / (latest.atMs - older.atMs)));
    }
    return out;
  }
}

interface BusyReport {
  readonly busyMs: number;
  readonly atMs: number;
}
