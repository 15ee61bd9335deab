import { Metrics } from './metrics';

describe('Metrics.observe', () => {
  it('counts each route, status and code in its own series, and times each route', async () => {
    const metrics = new Metrics();
    metrics.observe('/hms/wv/rights', 200, 0, 0.002);
    metrics.observe('/hms/wv/rights', 200, 0, 0.02);
    metrics.observe('/hms/wv/rights', 400, -4010, 0.001);
    metrics.observe('unmatched', 404, 404, 0.0001);
    const text = await metrics.registry.metrics();
    expect(text).toContain('http_requests_total{route="/hms/wv/rights",status="200",code="0"} 2');
    expect(text).toContain('http_requests_total{route="/hms/wv/rights",status="400",code="-4010"} 1');
    expect(text).toContain('http_requests_total{route="unmatched",status="404",code="404"} 1');
    expect(text).toContain('http_request_duration_seconds_count{route="/hms/wv/rights"} 3');
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.0025",route="/hms/wv/rights"} 2');
    expect(text).toContain('http_request_duration_seconds_sum{route="unmatched"} 0.0001');
  });

  it('renders cumulative buckets, +Inf and the DRM counters, and counts again after a reset', async () => {
    const metrics = new Metrics();
    for (const seconds of [0.0004, 0.003, 0.003, 7]) metrics.observe('/hms/fp/rights', 200, 0, seconds);
    metrics.delivered('fp');
    metrics.delivered('fp');
    metrics.creditRefused('wv', 'redemption');
    metrics.tokenIssued('wv');
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.0005",route="/hms/fp/rights"} 1');
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.0025",route="/hms/fp/rights"} 1');
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.005",route="/hms/fp/rights"} 3');
    expect(text).toContain('http_request_duration_seconds_bucket{le="2.5",route="/hms/fp/rights"} 3');
    expect(text).toContain('http_request_duration_seconds_bucket{le="+Inf",route="/hms/fp/rights"} 4');
    expect(text).toContain('http_request_duration_seconds_count{route="/hms/fp/rights"} 4');
    expect(text).toContain('# TYPE drm_deliveries_total counter');
    expect(text).toContain('drm_deliveries_total{drm="fp"} 2');
    expect(text).toContain('credit_refusals_total{drm="wv",stage="redemption"} 1');
    expect(text).toContain('tokens_issued_total{drm="wv"} 1');
    expect(text).toContain('process_cpu_seconds_total'); // the default metrics still render
    metrics.registry.resetMetrics();
    metrics.observe('/hms/fp/rights', 200, 0, 0.003);
    metrics.delivered('fp');
    const after = await metrics.registry.metrics();
    // prom-client forgets the series on a reset; the kept children count again from zero.
    expect(after).toContain('drm_deliveries_total{drm="fp"} 1');
    expect(after).not.toContain('credit_refusals_total{drm="wv",stage="redemption"}');
    expect(after).toContain('http_requests_total{route="/hms/fp/rights",status="200",code="0"} 1'); // still counted after a reset
    expect(after).toContain('http_request_duration_seconds_bucket{le="0.005",route="/hms/fp/rights"} 1');
  });
});

describe('Metrics.ledgerBatch', () => {
  it('keeps the redemption ledger batch sizes as a histogram whose sum over count is the mean', async () => {
    const metrics = new Metrics();
    for (const size of [1, 3, 3, 17]) metrics.ledgerBatch(size);
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE redemption_ledger_batch_size histogram');
    expect(text).toContain('redemption_ledger_batch_size_bucket{le="1"} 1');
    expect(text).toContain('redemption_ledger_batch_size_bucket{le="4"} 3');
    expect(text).toContain('redemption_ledger_batch_size_bucket{le="32"} 4');
    expect(text).toContain('redemption_ledger_batch_size_sum 24');
    expect(text).toContain('redemption_ledger_batch_size_count 4');
  });
});
