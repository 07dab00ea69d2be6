/**
 * The embedded storage backend: everything in this process, one node,
 * nothing survives a restart. The default when no Redis/PostgreSQL URL is
 * configured.
 */
import type { StorageBackend } from './backend.js';
import { MemoryDeviceGroupStore } from './memory-device-group-store.js';
import { sequentialLoginStore } from './login-store.js';
import { MemoryGroupCoordinator, type MemoryGroupCoordinatorOptions } from './memory-group-coordinator.js';
import { MemoryReflectionQueue } from './memory-reflection-queue.js';
import { MemoryNodeRegistry } from './node-registry.js';

export interface MemoryBackend extends StorageBackend {
    readonly groups: MemoryDeviceGroupStore;
    readonly queue: MemoryReflectionQueue;
    readonly coordinator: MemoryGroupCoordinator;
}

export function createMemoryBackend(options: MemoryGroupCoordinatorOptions = {}): MemoryBackend {
    const groups = new MemoryDeviceGroupStore();
    const coordinator = new MemoryGroupCoordinator(options);
    // The queue publishes `appended` on the coordinator's bus in the same step as the append,
    // and checks an append against the coordinator's presence and lock in that step too.
    const queue = new MemoryReflectionQueue(
        (groupId, event) => coordinator.publish(groupId, event),
        (groupId) => coordinator.lockRecordNow(groupId),
        (groupId, deviceId) => coordinator.presenceRecordNow(groupId, deviceId),
    );
    return {
        kind: 'embedded',
        durable: false,
        groups,
        queue,
        coordinator,
        logins: sequentialLoginStore(queue, coordinator),
        nodes: new MemoryNodeRegistry(),
        health: () => Promise.resolve({ ok: true, checks: [{ name: 'embedded', ok: true, latencyMs: 0 }] }),
        async close(): Promise<void> {
            await Promise.all([queue.close(), groups.close(), coordinator.close()]);
        },
    };
}
