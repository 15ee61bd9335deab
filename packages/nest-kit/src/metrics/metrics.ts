import { Controller, Get, Header, Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
    help: 'Licenses (wv) and CKCs (fp) delivered, each consuming a credit',
    labelNames: ['drm'] as const,
    registers: [this.registry],
  });
  readonly creditRefusals = new Counter({
    name: 'credit_refusals_total',
    help: 'Requests refused because the account had no credit left (-2019), by DRM and stage (issuance, redemption)',
    labelNames: ['drm', 'stage'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * The series of each route, status and code, looked up once: prom-client hashes a label set on every call, and
   * this runs for every request. Routes are patterns (or `unmatched`) and statuses and codes come from fixed
   * catalogs, so the map stays small.
   */
  private readonly series = new Map<string, { readonly requests: Counter.Internal; readonly latency: Histogram.Internal<'route'> }>();

  observe(route: string, status: number, code: number, seconds: number): void {
    const key = `${status} ${code} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      series = { requests: this.requests.labels({ route, status: String(status), code: String(code) }), latency: this.latency.labels({ route }) };
      this.series.set(key, series);
    }
    series.requests.inc();
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
