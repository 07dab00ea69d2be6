/**
 * NodeRegistry: which process run (incarnation) of a node id is live, so
 * that two live processes never serve under one `--node-id`.
 *
 * Implementations: `MemoryNodeRegistry` (below; the embedded backend, and
 * every node sharing one in-process backend) and
 * `redis/redis-node-registry.ts` (one key per node id with a PX expiry,
 * Lua scripts `node-claim` and `node-release`).
 *
 * Contract:
 *
 * - `claim` is atomic: it succeeds when nobody holds the node id, when the
 *   holder's claim expired, or when `incarnation` holds it already (then it
 *   renews it); otherwise it names the live holder and how long its claim
 *   still lasts, and changes nothing.
 * - A claim lasts `ttlMs` from the call; the node renews it by claiming
 *   again every presence renewal interval, so a process that dies or stalls
 *   stops holding its id after at most one TTL.
 * - `release` gives the id up only when `incarnation` still holds it.
 */
import type { NodeId } from './types.js';

export type NodeClaim =
    | { readonly status: 'claimed' }
    /** Another live incarnation holds the id for `remainingMs` more. */
    | { readonly status: 'taken'; readonly incarnation: string; readonly remainingMs: number };

export interface NodeRegistry {
    claim(nodeId: NodeId, incarnation: string, ttlMs: number): Promise<NodeClaim>;
    release(nodeId: NodeId, incarnation: string): Promise<void>;
}

/** The embedded registry: claims in this process, on the wall clock. */
export class MemoryNodeRegistry implements NodeRegistry {
    readonly #claims = new Map<NodeId, { readonly incarnation: string; readonly expiresAt: number }>();
    readonly #now: () => number;

    public constructor(now: () => number = Date.now) {
        this.#now = now;
    }

    public claim(nodeId: NodeId, incarnation: string, ttlMs: number): Promise<NodeClaim> {
        const now = this.#now();
        const current = this.#claims.get(nodeId);
        if (current !== undefined && current.incarnation !== incarnation && current.expiresAt > now) {
            return Promise.resolve({
                status: 'taken',
                incarnation: current.incarnation,
                remainingMs: current.expiresAt - now,
            });
        }
        this.#claims.set(nodeId, { incarnation, expiresAt: now + ttlMs });
        return Promise.resolve({ status: 'claimed' });
    }

    public release(nodeId: NodeId, incarnation: string): Promise<void> {
        if (this.#claims.get(nodeId)?.incarnation === incarnation) this.#claims.delete(nodeId);
        return Promise.resolve();
    }
}
