import { Controller, Get, Header, Inject, Injectable } from '@nestjs/common';
import type { Drm } from '@openplay/core';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A prom-client labelled child: `metric.labels(…)` resolved once and kept. */
type CounterChild = ReturnType<Counter<string>['labels']>;
type HistogramChild = ReturnType<Histogram<string>['labels']>;

/** One registry per app instance: prom-client's default registry is process-global and breaks a second boot in tests. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route, status and result code (0 = success, else the spec code)',
    labelNames: ['route', 'status', 'code'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly tokensIssued = new Counter({
    name: 'tokens_issued_total',
    help: 'Tokens issued, by DRM',
    labelNames: ['drm'] as const,
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'drm_deliveries_total',
    help: 'Licenses (wv, ck) and CKCs (fp) delivered, each consuming a credit',
    labelNames: ['drm'] as const,
    registers: [this.registry],
  });
  readonly creditRefusals = new Counter({
    name: 'credit_refusals_total',
    help: 'Requests refused because the account had no credit left (-2019), by DRM and stage (issuance, redemption)',
    labelNames: ['drm', 'stage'] as const,
    registers: [this.registry],
  });
  readonly ledgerBatches = new Histogram({
    name: 'redemption_ledger_batch_size',
    help: 'Redemptions per redemption-ledger batch (one statement and one commit each); mean = sum / count',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
    registers: [this.registry],
  });

  // The DRM counters' label sets are fixed: their children are made once, here.
  readonly #issued = {
    wv: this.tokensIssued.labels('wv'),
    fp: this.tokensIssued.labels('fp'),
    ck: this.tokensIssued.labels('ck'),
  };
  readonly #delivered = {
    wv: this.deliveries.labels('wv'),
    fp: this.deliveries.labels('fp'),
    ck: this.deliveries.labels('ck'),
  };
  readonly #refused = {
    wv: {
      issuance: this.creditRefusals.labels('wv', 'issuance'),
      redemption: this.creditRefusals.labels('wv', 'redemption'),
    },
    fp: {
      issuance: this.creditRefusals.labels('fp', 'issuance'),
      redemption: this.creditRefusals.labels('fp', 'redemption'),
    },
    ck: {
      issuance: this.creditRefusals.labels('ck', 'issuance'),
      redemption: this.creditRefusals.labels('ck', 'redemption'),
    },
  };

  /**
   * Per route, its latency child and its request children by outcome. Routes are patterns (or `unmatched`) and
   * statuses and codes come from fixed catalogs, so the maps stay small; a request builds no label object or key string.
   */
  readonly #routes = new Map<
    string,
    { readonly latency: HistogramChild; readonly outcomes: Map<number, CounterChild> }
  >();

  /** What /metrics renders: this registry, or in a cluster worker every worker's registries merged. */
  #render: () => Promise<string> = () => this.registry.metrics();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  render(): Promise<string> {
    return this.#render();
  }

  renderWith(source: () => Promise<string>): void {
    this.#render = source;
  }

  observe(route: string, status: number, code: number, seconds: number): void {
    let series = this.#routes.get(route);
    if (!series) {
      series = { latency: this.latency.labels(route), outcomes: new Map() };
      this.#routes.set(route, series);
    }
    // Statuses are 100–599 and result codes (spec codes, or the status) lie well within ±500,000: one number names the pair.
    const outcome = status * 1_000_000 + code;
    let requests = series.outcomes.get(outcome);
    if (!requests) {
      requests = this.requests.labels(route, String(status), String(code));
      series.outcomes.set(outcome, requests);
    }
    requests.inc();
    series.latency.observe(seconds);
  }

  tokenIssued(drm: Drm): void {
    this.#issued[drm].inc();
  }

  delivered(drm: Drm): void {
    this.#delivered[drm].inc();
  }

  ledgerBatch(size: number): void {
    this.ledgerBatches.observe(size);
  }

  creditRefused(drm: Drm, stage: 'issuance' | 'redemption'): void {
    this.#refused[drm][stage].inc();
  }
}

@Controller()
export class MetricsController {
  constructor(@Inject(Metrics) private readonly metrics: Metrics) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  render(): Promise<string> {
    return this.metrics.render();
  }
}
