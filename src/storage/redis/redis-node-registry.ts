/**
 * The NodeRegistry on Redis (contract in ../node-registry.ts): one key per
 * node id holding the live incarnation, with a PX expiry, claimed and
 * released by Lua scripts so that a check and its change are one step.
 */
import type { NodeClaim, NodeRegistry } from '../node-registry.js';
import type { NodeId } from '../types.js';
import type { RedisKeys } from './keys.js';
import { replyInteger, replyText, type RedisCommander } from './redis-client.js';
import type { LuaScripts } from './scripts.js';
import { ScriptStatus } from './status-codes.js';

export class RedisNodeRegistry implements NodeRegistry {
    readonly #client: RedisCommander;
    readonly #scripts: LuaScripts;
    readonly #keys: RedisKeys;

    public constructor(options: {
        readonly client: RedisCommander;
        readonly scripts: LuaScripts;
        readonly keys: RedisKeys;
    }) {
        this.#client = options.client;
        this.#scripts = options.scripts;
        this.#keys = options.keys;
    }

    public async claim(nodeId: NodeId, incarnation: string, ttlMs: number): Promise<NodeClaim> {
        const { status, values } = await this.#scripts.run(
            this.#client,
            'node-claim',
            [this.#keys.node(nodeId)],
            [incarnation, String(Math.max(1, Math.ceil(ttlMs)))],
        );
        if (status === ScriptStatus.OK) return { status: 'claimed' };
        return {
            status: 'taken',
            incarnation: replyText(values[0], 'node holder'),
            remainingMs: Math.max(0, replyInteger(values[1], 'node claim ttl')),
        };
    }

    public async release(nodeId: NodeId, incarnation: string): Promise<void> {
        await this.#scripts.run(this.#client, 'node-release', [this.#keys.node(nodeId)], [incarnation]);
    }
}
