/**
 * One live process per node id. Connection ids carry a random incarnation,
 * so two processes under one `--node-id` never share a connection id; but
 * presence renewals, and everything else a node does in its own name
 * (`renewPresence` by node id), would still mix them up. So a node claims
 * its id in the storage's NodeRegistry before it listens and renews the
 * claim every presence renewal interval, for one presence TTL each time:
 *
 * - At start, an id held by another incarnation is waited for, up to the
 *   longer of one presence TTL and what is left of that claim (plus one
 *   interval): a predecessor that was SIGKILLed, or stalled, stops renewing
 *   and its claim runs out within that, so a restart under the same id
 *   comes up within about a TTL. If the claim is still held then, another
 *   live process has the id: the start fails with `NodeIdInUseError`
 *   (`mediator serve` exits 1 naming the id).
 * - While running, a renewal that finds the id held by another incarnation
 *   (this node stalled past its claim, and a process under the same id came
 *   up meanwhile) calls `onLost`: the node stops serving.
 *
 * A renewal that fails for storage reasons is only logged: the node's
 * presence deadlines already close its devices when storage is gone.
 */
import type { MediatorConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { NodeRegistry } from '../storage/node-registry.js';
import type { NodeId } from '../storage/types.js';

export interface NodeClaimPorts {
    readonly backend: { readonly nodes: NodeRegistry };
    readonly config: Pick<MediatorConfig, 'presenceTtlMs' | 'presenceRenewIntervalMs'>;
    readonly nodeId: NodeId;
    readonly logger: Logger;
}

/** Another live process holds the node id (start-up fails; `mediator serve` exits 1). */
export class NodeIdInUseError extends Error {
    public constructor(
        public readonly nodeId: string,
        public readonly holder: string,
        waitedMs: number,
    ) {
        super(
            `node id ${nodeId} is in use by another live mediator process (incarnation ${holder}; ` +
                `still renewed after waiting ${waitedMs} ms): give each node its own --node-id`,
        );
        this.name = 'NodeIdInUseError';
    }
}

export class NodeClaim {
    readonly #ports: NodeClaimPorts;
    readonly #incarnation: string;
    #timer: NodeJS.Timeout | undefined;
    #renewing: Promise<void> | undefined;
    #lost = false;

    public constructor(ports: NodeClaimPorts, incarnation: string) {
        this.#ports = ports;
        this.#incarnation = incarnation;
    }

    /** Claims the node id, waiting out a predecessor's claim (see the file comment). */
    public async acquire(): Promise<void> {
        const { backend, config, nodeId, logger } = this.#ports;
        const started = performance.now();
        let waitMs: number | undefined;
        for (;;) {
            const claim = await backend.nodes.claim(nodeId, this.#incarnation, config.presenceTtlMs);
            if (claim.status === 'claimed') return;
            const waited = performance.now() - started;
            if (waitMs === undefined) {
                waitMs = Math.max(config.presenceTtlMs, claim.remainingMs) + config.presenceRenewIntervalMs;
                logger.warn('node id held by another incarnation: waiting for its claim to run out', {
                    holder: claim.incarnation,
                    remainingMs: claim.remainingMs,
                    waitMs,
                });
            }
            if (waited >= waitMs) throw new NodeIdInUseError(nodeId, claim.incarnation, Math.round(waited));
            const pauseMs = Math.min(claim.remainingMs + 10, config.presenceRenewIntervalMs, waitMs - waited);
            await new Promise((resolve) => setTimeout(resolve, Math.max(10, pauseMs)));
        }
    }

    /** Renews the claim every renewal interval; `onLost` runs once if another incarnation took the id. */
    public start(onLost: (holder: string) => void): void {
        if (this.#timer !== undefined) return;
        this.#timer = setInterval(() => {
            this.#renewing ??= this.#renew(onLost).finally(() => (this.#renewing = undefined));
        }, this.#ports.config.presenceRenewIntervalMs);
        this.#timer.unref();
    }

    /** Stops renewing and gives the id up (unless another incarnation holds it). Never rejects. */
    public async release(): Promise<void> {
        clearInterval(this.#timer);
        this.#timer = undefined;
        await this.#renewing;
        if (this.#lost) return;
        await this.#ports.backend.nodes
            .release(this.#ports.nodeId, this.#incarnation)
            .catch((error: unknown) => this.#ports.logger.warn('releasing the node id failed', { error }));
    }

    async #renew(onLost: (holder: string) => void): Promise<void> {
        const { backend, config, nodeId, logger } = this.#ports;
        try {
            const claim = await backend.nodes.claim(nodeId, this.#incarnation, config.presenceTtlMs);
            if (claim.status === 'claimed' || this.#lost) return;
            this.#lost = true;
            clearInterval(this.#timer);
            this.#timer = undefined;
            logger.error('node id taken over by another live process: this one stops serving', {
                holder: claim.incarnation,
            });
            onLost(claim.incarnation);
        } catch (error) {
            logger.warn('renewing the node id claim failed', { error });
        }
    }
}
