/**
 * Several processes on one port (httpIngest.workers > 1, node:cluster): the primary forks the
 * workers, each runs the whole ingest (its own Kafka producer) on the shared listening socket,
 * and the primary hands them connections in turn. It prints the address once every worker
 * listens, passes SIGTERM / SIGINT on and exits when they have stopped; a worker that exits on
 * its own (a start-up error, a crash) stops the others and the primary exits 2, for a
 * supervisor to restart the service (clients send again what was not answered 202).
 *
 * GET /metrics on any worker answers for all of them: the worker asks the primary, which sums
 * the workers' registries (prom-client's AggregatorRegistry).
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const METRICS_REQ = 'ratel:http-ingest:metrics?';
const METRICS_RES = 'ratel:http-ingest:metrics!';
const STOP_TIMEOUT_MS = 30_000;

interface MetricsMessage {
  type: string;
  id: number;
  text?: string;
  error?: string;
}
const isMetricsMessage = (m: unknown, type: string): m is MetricsMessage =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;

/** In the primary: runs `n` workers until a signal or a worker's own exit; never resolves. */
export function superviseWorkers(n: number, host: string, print: (url: string) => void, fail: (line: string) => void): void {
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  let failed = false;
  let listening = 0;
  cluster.on('listening', (_w, address) => {
    if (++listening === n) print(`http://${host.includes(':') ? `[${host}]` : host}:${address.port}`);
  });
  cluster.on('message', (w: Worker, m: unknown) => {
    if (!isMetricsMessage(m, METRICS_REQ)) return;
    aggregator.clusterMetrics().then(
      (text) => w.send({ type: METRICS_RES, id: m.id, text }),
      (e: Error) => w.send({ type: METRICS_RES, id: m.id, error: e.message }),
    );
  });
  const stopAll = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => {
      fail('ratel: SHUTDOWN_TIMEOUT ingest-http workers did not stop within 30 s');
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
  };
  cluster.on('exit', (w, code, signal) => {
    if (!stopping) {
      failed = true;
      fail(`ratel: ingest-http worker ${w.id} exited (${signal ?? `code ${code}`}): stopping the others`);
      stopAll();
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 2 : 0);
  });
  const onSignal = () => {
    if (!stopping) stopAll();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  for (let i = 0; i < n; i++) cluster.fork();
}

/** In a worker: the text of GET /metrics, summed over every worker by the primary. */
export function clusterMetricsText(registry: Registry): () => Promise<string> {
  new AggregatorRegistry(); // answers the primary's requests for this worker's metrics
  AggregatorRegistry.setRegistries([registry]);
  const pending = new Map<number, (m: MetricsMessage) => void>();
  let seq = 0;
  process.on('message', (m: unknown) => {
    if (!isMetricsMessage(m, METRICS_RES)) return;
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      const timer = setTimeout(() => {
        if (pending.delete(id)) reject(new Error('the primary did not answer for the metrics within 5 s'));
      }, 5000);
      pending.set(id, (m) => {
        clearTimeout(timer);
        if (m.error !== undefined) reject(new Error(m.error));
        else resolve(m.text ?? '');
      });
      process.send?.({ type: METRICS_REQ, id });
    });
}

export const isWorker = (): boolean => cluster.isWorker;
