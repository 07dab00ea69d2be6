/**
 * Periodically removes slots that expired by their policy: volatile slots a
 * grace period after their device disconnected, persistent slots after a
 * long time without a login. A slot whose device is online is never removed.
 */
import type { MediatorContext } from './context.js';

const SWEEP_BATCH = 500;

export class SlotSweeper {
    #timer: NodeJS.Timeout | undefined;
    #running: Promise<number> | undefined;

    public constructor(private readonly ctx: MediatorContext) {}

    public start(): void {
        if (this.#timer !== undefined) return;
        this.#timer = setInterval(() => void this.sweepOnce(), this.ctx.config.sweepIntervalMs);
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
        const { groups, queue, coordinator } = this.ctx.backend;
        let removed = 0;
        try {
            const candidates = await groups.listExpiryCandidates(this.ctx.now(), this.ctx.config.policy, SWEEP_BATCH);
            for (const { groupId, deviceId } of candidates) {
                const presence = await coordinator.listPresence(groupId, this.ctx.now());
                if (presence.some((entry) => entry.deviceId === deviceId)) continue;
                await groups.dropSlot(groupId, deviceId);
                await queue.removeSlot(groupId, deviceId);
                removed++;
            }
            if (removed > 0) this.ctx.logger.info('expired slots removed', { count: removed });
        } catch (error) {
            this.ctx.logger.warn('slot sweep failed', { error });
        }
        return removed;
    }
}
