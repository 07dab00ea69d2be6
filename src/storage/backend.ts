/**
 * A storage backend: the stores the mediator core needs, built
 * together by the composition root (src/main.ts) from configuration.
 */
import type { DeviceGroupStore } from './device-group-store.js';
import type { GroupCoordinator } from './group-coordinator.js';
import type { LoginStore } from './login-store.js';
import type { NodeRegistry } from './node-registry.js';
import type { ReflectionQueue } from './reflection-queue.js';

/** One service a backend depends on, as `health` found it. */
export interface HealthCheck {
    /** `redis`, `postgres` or `embedded`. */
    readonly name: string;
    readonly ok: boolean;
    readonly latencyMs: number;
    /** Why it failed (no credentials, no URLs). */
    readonly error?: string;
}

export interface BackendHealth {
    /** Every check passed. */
    readonly ok: boolean;
    readonly checks: readonly HealthCheck[];
}

export interface StorageBackend {
    /** `embedded` or `redis+postgres`, for logs and health. */
    readonly kind: string;
    /** Whether acknowledged data survives a restart of this process. */
    readonly durable: boolean;
    readonly groups: DeviceGroupStore;
    readonly queue: ReflectionQueue;
    readonly coordinator: GroupCoordinator;
    /** The storage steps of a login after the slot decision, in one step (login-store.ts). */
    readonly logins: LoginStore;
    /** Which process run holds each node id (one live process per `--node-id`). */
    readonly nodes: NodeRegistry;
    /**
     * Checks that every service the backend depends on answers within
     * `timeoutMs` (readiness). Never rejects; a check still running from an
     * earlier call is joined rather than started again.
     */
    health(timeoutMs: number): Promise<BackendHealth>;
    /** Closes every connection the backend holds. */
    close(): Promise<void>;
}
