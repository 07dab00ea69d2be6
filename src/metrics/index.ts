/**
 * Metrics of a mediator node: the hooks the core calls, their prom-client
 * implementation, the chat-server proxy's hooks and storage timing.
 */
export {
    handshakeOutcomeOf,
    HANDSHAKE_OUTCOMES,
    NOOP_MEDIATOR_METRICS,
    type HandshakeOutcome,
    type MediatorMetricsHooks,
    type ObservedNode,
    type ObservedSession,
} from './hooks.js';
export { MediatorMetrics, type MediatorMetricsOptions } from './mediator-metrics.js';
export { PromProxyMetrics } from './proxy-metrics.js';
export { instrumentBackend, timeStore, type StoreName } from './storage-timing.js';
