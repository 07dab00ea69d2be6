/**
 * A storage backend: the three stores the mediator core needs, built
 * together by the composition root (src/main.ts) from configuration.
 */
import type { DeviceGroupStore } from './device-group-store.js';
import type { GroupCoordinator } from './group-coordinator.js';
import type { ReflectionQueue } from './reflection-queue.js';

export interface StorageBackend {
    /** `embedded` or `redis+postgres`, for logs and health. */
    readonly kind: string;
    /** Whether acknowledged data survives a restart of this process. */
    readonly durable: boolean;
    readonly groups: DeviceGroupStore;
    readonly queue: ReflectionQueue;
    readonly coordinator: GroupCoordinator;
    /** Closes every connection the backend holds. */
    close(): Promise<void>;
}
