import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/** IPC message types between a worker serving /metrics and the primary that gathers every worker's registry. */
const REQUEST = 'openplay:metrics-req';
const RESPONSE = 'openplay:metrics-res';
/** prom-client's own gathering gives up after 5 s; a little more here so its error, not ours, is the one seen. */
const ANSWER_TIMEOUT_MS = 6000;

interface MetricsRequest {
  readonly type: typeof REQUEST;
  readonly id: number;
}
interface MetricsResponse {
  readonly type: typeof RESPONSE;
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
}

/**
 * In the primary: answers a worker's request for the cluster's metrics with prom-client's AggregatorRegistry, which
 * asks every worker for its registry over IPC and merges them (counters and histograms summed, the start time omitted).
 */
export function answerMetricsRequests(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: Partial<MetricsRequest>) => {
    if (message?.type !== REQUEST) return;
    const reply = (answer: Omit<MetricsResponse, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: RESPONSE, id: message.id, ...answer });
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (error: Error) => reply({ error: error.message }),
    );
  });
}

/**
 * In a worker: offers `registry` to the primary's aggregation and returns what /metrics renders instead of the
 * worker's own registry: the whole cluster's metrics, whichever worker Prometheus' scrape lands on.
 */
export function clusterMetricsSource(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // installs prom-client's worker-side listener for the primary's requests
  const pending = new Map<number, (answer: MetricsResponse) => void>();
  let next = 0;
  process.on('message', (message: Partial<MetricsResponse>) => {
    if (message?.type !== RESPONSE || message.id === undefined) return;
    pending.get(message.id)?.(message as MetricsResponse);
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(
        () => settle({ type: RESPONSE, id, error: 'the primary did not answer' }),
        ANSWER_TIMEOUT_MS,
      );
      const settle = (answer: MetricsResponse) => {
        clearTimeout(timer);
        pending.delete(id);
        if (answer.text !== undefined) resolve(answer.text);
        else reject(new Error(`cluster metrics: ${answer.error ?? 'no answer'}`));
      };
      pending.set(id, settle);
      process.send?.({ type: REQUEST, id } satisfies MetricsRequest);
    });
}
