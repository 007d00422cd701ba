'use client';

import type { ReactNode } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

/**
 * Line colours for chart series. SVG presentation attributes do not resolve CSS variables
 * everywhere, so these repeat the palette of globals.css as literals.
 */
export const chartColors = {
  accent: '#4da3ff',
  ok: '#3fb950',
  warn: '#d29922',
  bad: '#f85149',
  violet: '#a371f7',
  muted: '#8b98a8',
} as const;

/** One line of a chart: the sample field it plots, its name in the legend, its colour. */
export interface ChartSeries<K extends string> {
  readonly key: K;
  readonly label: string;
  readonly color: string;
}

/** A sample as a chart plots it: its time (`at`, epoch ms) and one value (or a gap) per key. */
export type ChartPoint<K extends string> = { readonly at: number } & {
  readonly [key in K]: number | null;
};

export interface TimeSeriesChartProps<K extends string> {
  /** The chart's accessible name and heading. */
  readonly title: string;
  /** Oldest first. A null value is a gap in its line (nothing to measure in that window). */
  readonly data: readonly ChartPoint<K>[];
  readonly series: readonly ChartSeries<K>[];
  /** Appended to values in the tooltip and the caption: `/s`, ` ms`, `%`. */
  readonly unit: string;
  /** Formats one value (without the unit); two significant decimals at most by default. */
  readonly format?: (value: number) => string;
  /** Shown instead of the chart while `data` is empty: what the reader should do or expect. */
  readonly empty: ReactNode;
  readonly height?: number;
  /** Names the figure for tests; its latest values carry `${testId}-latest-${key}`. */
  readonly testId?: string;
}

const defaultFormat = (value: number): string =>
  value >= 100 ? Math.round(value).toLocaleString('en-US') : String(Number(value.toFixed(2)));

const clockTime = (ms: number): string =>
  new Date(ms).toLocaleTimeString('en-GB', { hour12: false });

/**
 * A live time series as a line chart (recharts): time on the x axis, one line per series, and
 * under it the newest value of each series in text, so the chart's state can be read without
 * seeing it (screen readers, tests). Animation is off: a chart redrawn every second would
 * otherwise always be mid-animation.
 */
export function TimeSeriesChart<K extends string>(props: TimeSeriesChartProps<K>) {
  const { title, data, series, unit, empty, height = 220, testId } = props;
  const format = props.format ?? defaultFormat;
  const latest = data.at(-1);
  return (
    <figure
      className="chart card"
      aria-label={title}
      data-testid={testId}
      data-points={data.length}
    >
      <h2>{title}</h2>
      {latest === undefined ? (
        <div className="chart-empty muted" role="status" style={{ height }}>
          {empty}
        </div>
      ) : (
        <>
          <div style={{ height }} aria-hidden="true">
            <ResponsiveContainer width="100%" height="100%">
              <LineChart data={[...data]} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="#2a3542" strokeDasharray="3 3" />
                <XAxis
                  dataKey="at"
                  type="number"
                  scale="time"
                  domain={['dataMin', 'dataMax']}
                  tickFormatter={clockTime}
                  stroke={chartColors.muted}
                  minTickGap={40}
                />
                <YAxis
                  stroke={chartColors.muted}
                  width={72}
                  allowDecimals
                  tickFormatter={(v: number) => format(v)}
                />
                <Tooltip
                  contentStyle={{ background: '#161d26', border: '1px solid #2a3542' }}
                  labelFormatter={(at) => (typeof at === 'number' ? clockTime(at) : '')}
                  formatter={(value) =>
                    typeof value === 'number' ? `${format(value)}${unit}` : '—'
                  }
                />
                <Legend />
                {series.map((s) => (
                  <Line
                    key={s.key}
                    dataKey={s.key}
                    name={s.label}
                    stroke={s.color}
                    dot={false}
                    strokeWidth={2}
                    isAnimationActive={false}
                  />
                ))}
              </LineChart>
            </ResponsiveContainer>
          </div>
          <figcaption className="chart-latest muted">
            At {clockTime(latest.at)}:{' '}
            {series.map((s, i) => {
              const value = latest[s.key];
              return (
                <span key={s.key}>
                  {i > 0 ? ', ' : null}
                  {s.label}{' '}
                  <span className="mono" data-testid={testId && `${testId}-latest-${s.key}`}>
                    {value === null ? '—' : `${format(value)}${unit}`}
                  </span>
                </span>
              );
            })}
          </figcaption>
        </>
      )}
    </figure>
  );
}
