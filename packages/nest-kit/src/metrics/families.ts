import type { Metric, Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

/** One line of the exposition, as prom-client's registry renders it. */
interface ExportedValue {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  readonly metricName?: string;
}

/**
 * A metric family in a prom-client registry whose series are plain objects, looked up once by their label values and
 * then counted with a field increment. prom-client's own labelled series check and hash their labels again on every
 * call, and every request is counted in two of them: a measurable share of a license's time on the event loop.
 */
abstract class Family<S extends { readonly labels: Labels }> {
  readonly #series = new Map<string, S>();

  constructor(
    registry: Registry,
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'histogram',
    protected readonly labelNames: readonly string[],
  ) {
    registry.registerMetric(this as unknown as Metric<string>);
  }

  /** The series of these label values, in `labelNames` order. */
  labels(...values: string[]): S {
    const key = values.length === 1 ? values[0]! : values.join('\u0000');
    let series = this.#series.get(key);
    if (series === undefined) {
      series = this.create(Object.fromEntries(this.labelNames.map((name, i) => [name, values[i] ?? ''])));
      this.#series.set(key, series);
    }
    return series;
  }

  /** What the registry renders (prom-client's Metric.get). */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: ExportedValue[] }> {
    const values = [...this.#series.values()].flatMap((series) => this.export(series));
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values };
  }

  /** Zeroes every series (rather than forgetting them: callers keep the series labels() gave them). */
  reset(): void {
    for (const series of this.#series.values()) this.zero(series);
  }

  protected abstract create(labels: Labels): S;
  protected abstract zero(series: S): void;
  protected abstract export(series: S): ExportedValue[];
}

export class CounterSeries {
  value = 0;
  constructor(readonly labels: Labels) {}

  inc(): void {
    this.value++;
  }
}

export class CounterFamily extends Family<CounterSeries> {
  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[]) {
    super(registry, name, help, 'counter', labelNames);
  }

  protected create(labels: Labels): CounterSeries {
    return new CounterSeries(labels);
  }

  protected zero(series: CounterSeries): void {
    series.value = 0;
  }

  protected export(series: CounterSeries): ExportedValue[] {
    return [{ labels: series.labels, value: series.value }];
  }
}

export class HistogramSeries {
  /** Observations per bucket, not cumulative (the exposition sums them). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    if (i < bounds.length) this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class HistogramFamily extends Family<HistogramSeries> {
  constructor(
    registry: Registry,
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    super(registry, name, help, 'histogram', labelNames);
  }

  protected create(labels: Labels): HistogramSeries {
    return new HistogramSeries(labels, this.bounds);
  }

  protected zero(series: HistogramSeries): void {
    series.counts.fill(0);
    series.sum = 0;
    series.count = 0;
  }

  protected export(series: HistogramSeries): ExportedValue[] {
    const values: ExportedValue[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += series.counts[i]!;
      values.push({ labels: { le: bound, ...series.labels }, value: cumulative, metricName: `${this.name}_bucket` });
    });
    values.push({ labels: { le: '+Inf', ...series.labels }, value: series.count, metricName: `${this.name}_bucket` });
    values.push({ labels: series.labels, value: series.sum, metricName: `${this.name}_sum` });
    values.push({ labels: series.labels, value: series.count, metricName: `${this.name}_count` });
    return values;
  }
}
