/**
 * Periodically removes slots that expired by their policy: volatile slots a
 * grace period after their device disconnected, persistent slots after a
 * long time without a login. A slot whose device is online is never removed.
 */
import type { MediatorConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { DeviceGroupStore } from '../storage/device-group-store.js';
import type { GroupCoordinator } from '../storage/group-coordinator.js';
import type { ReflectionQueue } from '../storage/reflection-queue.js';

/** What the sweeper reads and changes. */
export interface SweeperPorts {
    readonly backend: {
        readonly groups: Pick<DeviceGroupStore, 'listExpiryCandidates' | 'dropSlot'>;
        readonly queue: Pick<ReflectionQueue, 'removeSlot'>;
        readonly coordinator: Pick<GroupCoordinator, 'listPresence'>;
    };
    readonly config: Pick<MediatorConfig, 'sweepIntervalMs' | 'policy'>;
    readonly logger: Logger;
    /** Unix ms. */
    now(): number;
}

const SWEEP_BATCH = 500;

export class SlotSweeper {
    #timer: NodeJS.Timeout | undefined;
    #running: Promise<number> | undefined;

    readonly #ports: SweeperPorts;

    public constructor(ports: SweeperPorts) {
        this.#ports = ports;
    }

    public start(): void {
        if (this.#timer !== undefined) return;
        this.#timer = setInterval(() => void this.sweepOnce(), this.#ports.config.sweepIntervalMs);
        this.#timer.unref();
    }

    public async stop(): Promise<void> {
        if (this.#timer !== undefined) clearInterval(this.#timer);
        this.#timer = undefined;
        await this.#running;
    }

    /** One pass; resolves the number of slots removed. Never rejects. */
    public async sweepOnce(): Promise<number> {
        if (this.#running !== undefined) return this.#running;
        this.#running = this.#sweep().finally(() => (this.#running = undefined));
        return this.#running;
    }

    async #sweep(): Promise<number> {
        const { groups, queue, coordinator } = this.#ports.backend;
        let removed = 0;
        try {
            const candidates = await groups.listExpiryCandidates(
                this.#ports.now(),
                this.#ports.config.policy,
                SWEEP_BATCH,
            );
            for (const { groupId, deviceId } of candidates) {
                const presence = await coordinator.listPresence(groupId, this.#ports.now());
                if (presence.some((entry) => entry.deviceId === deviceId)) continue;
                await groups.dropSlot(groupId, deviceId);
                await queue.removeSlot(groupId, deviceId);
                removed++;
            }
            if (removed > 0) this.#ports.logger.info('expired slots removed', { count: removed });
        } catch (error) {
            this.#ports.logger.warn('slot sweep failed', { error });
        }
        return removed;
    }
}
