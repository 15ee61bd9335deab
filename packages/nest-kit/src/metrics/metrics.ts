import { Controller, Get, Header, Inject, Injectable } from '@nestjs/common';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { CounterFamily, type CounterSeries, HistogramFamily, type HistogramSeries } from './families';

/** One registry per app instance: prom-client's default registry is process-global and breaks a second boot in tests. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new CounterFamily(
    this.registry,
    'http_requests_total',
    'HTTP requests by route, status and result code (0 = success, else the spec code)',
    ['route', 'status', 'code'],
  );
  readonly latency = new HistogramFamily(this.registry, 'http_request_duration_seconds', 'HTTP request latency by route', ['route'], [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
  ]);
  readonly tokensIssued = new CounterFamily(this.registry, 'tokens_issued_total', 'Tokens issued, by DRM', ['drm']);
  readonly deliveries = new CounterFamily(
    this.registry,
    'drm_deliveries_total',
    'Licenses (wv) and CKCs (fp) delivered, each consuming a credit',
    ['drm'],
  );
  readonly creditRefusals = new CounterFamily(
    this.registry,
    'credit_refusals_total',
    'Requests refused because the account had no credit left (-2019), by DRM and stage (issuance, redemption)',
    ['drm', 'stage'],
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * The series of each route and of each of its outcomes, looked up without building a key: this runs for every
   * request. Routes are patterns (or `unmatched`) and statuses and codes come from fixed catalogs, so the maps stay
   * small.
   */
  private readonly routes = new Map<string, { readonly latency: HistogramSeries; readonly outcomes: Map<number, CounterSeries> }>();

  observe(route: string, status: number, code: number, seconds: number): void {
    let series = this.routes.get(route);
    if (!series) {
      series = { latency: this.latency.labels(route), outcomes: new Map() };
      this.routes.set(route, series);
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
}

@Controller()
export class MetricsController {
  constructor(@Inject(Metrics) private readonly metrics: Metrics) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  render(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
