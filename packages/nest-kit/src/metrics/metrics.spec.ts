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
});
