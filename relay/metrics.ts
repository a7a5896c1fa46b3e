// Prometheus metrics at GET /metrics (docs/operations.md, "Monitoring").
//
// Invariants:
// - Aggregates only: counts of connections, topics and subscriptions, and the process's own
//   health (CPU, memory, event-loop lag, GC). Never a room id, account id or anything a client
//   sent, so the endpoint can be scraped by anyone the operator lets reach it.
// - Gauges are read when scraped (collect callbacks), so the hot paths carry no metrics code.
// - One registry per relay (no prom-client global registry), so two relays in one process
//   (tests) do not share or clash over metrics.
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export interface MetricSources {
  version: string;
  signaling: () => { connections: number; topics: number; subscriptions: number };
  mailboxConnections: () => number;
}

export interface Metrics {
  contentType: string;
  render(): Promise<string>;
}

export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'floe_relay_' });
  new Gauge({ name: 'floe_relay_build_info', help: 'The relay version, as a label; always 1.', labelNames: ['version'], registers: [registry] }).set({ version: sources.version }, 1);
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('floe_relay_signal_connections', 'Open /signal WebSocket connections.', () => sources.signaling().connections);
  gauge('floe_relay_signal_topics', 'Signaling topics (rooms) with at least one subscriber.', () => sources.signaling().topics);
  gauge('floe_relay_signal_subscriptions', 'Topic subscriptions over all /signal connections.', () => sources.signaling().subscriptions);
  gauge('floe_relay_v1_connections', 'Open /v1 (mailbox, ledger) WebSocket connections.', sources.mailboxConnections);
  return { contentType: registry.contentType, render: () => registry.metrics() };
}
