/**
 * What the mediator's operations need: the storage backend, configuration,
 * this node's id, a logger, metrics hooks and a clock. Built once in src/main.ts.
 */
import type { CryptoBackend } from '../../d2m/index.js';
import type { MediatorConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { MediatorMetricsHooks } from '../metrics/hooks.js';
import type { StorageBackend } from '../storage/backend.js';
import type { NodeId } from '../storage/types.js';

export interface MediatorContext {
    readonly backend: StorageBackend;
    readonly config: MediatorConfig;
    readonly crypto: CryptoBackend;
    readonly nodeId: NodeId;
    readonly logger: Logger;
    /** Counters and timings for the operator's metrics (NOOP_MEDIATOR_METRICS when not exported). */
    readonly metrics: MediatorMetricsHooks;
    /** Unix ms. */
    now(): number;
}
