/**
 * What the admin API reads and changes of a mediator node: its storage
 * backend (every store, health), the global slot policy, its node id,
 * logger and clock. The composition root passes the node's services; the
 * admin API never sees sessions, crypto or metrics hooks.
 */
import type { MediatorConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { StorageBackend } from '../storage/backend.js';
import type { NodeId } from '../storage/types.js';

export interface AdminPorts {
    readonly backend: StorageBackend;
    readonly config: Pick<MediatorConfig, 'policy'>;
    readonly nodeId: NodeId;
    readonly logger: Logger;
    /** Unix ms. */
    readonly now: () => number;
}
