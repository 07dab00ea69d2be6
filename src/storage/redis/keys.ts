/**
 * Every Redis key and channel name of the mediator is built here.
 *
 * Layout: `<prefix><kind>:{<groupId>}`. The hash tag `{<groupId>}` puts all
 * keys of one device group into one Redis Cluster slot, so every Lua script
 * (which only ever touches one group) runs on one shard. The prefix
 * separates deployments or test runs sharing one Redis.
 *
 * | kind       | type    | content                                                             |
 * |------------|---------|---------------------------------------------------------------------|
 * | `slots`    | SET     | member device ids (decimal)                                         |
 * | `q`        | ZSET    | every queued item of every slot, score 0, member                    |
 * |            |         | `<deviceId:20 digits>:<seq:16 digits>:<payloadId>` (lex order)      |
 * | `qc`       | HASH    | per slot `<deviceId>:s` last seq, `:n` count, `:b` bytes; `pid`     |
 * |            |         | is the payload id counter                                           |
 * | `pl`       | HASH    | payloads: `<pid>` envelope, `<pid>:m` `flags:timestamp`,            |
 * |            |         | `<pid>:r` reference count (deleted at zero)                         |
 * | `held`     | LIST    | held reflections `<pid>:<senderDeviceId>:<token>`, in append order  |
 * | `presence` | HASH    | device id → JSON presence                                           |
 * | `lock`     | HASH    | transaction lock (`d`, `c`, `s`, `e`, `t`), PX safety expiry        |
 * | `leader`   | HASH    | leader (`d`, `c`, `t`)                                              |
 * | `ctr`      | HASH    | `token` and `term` counters (kept forever for fencing)              |
 * | `bus`      | channel | sharded pub/sub channel of the group's events                       |
 *
 * One key per node id, `<prefix>node:{<nodeId>}` (STRING: the incarnation
 * that holds the id, PX expiry; redis-node-registry.ts), sits outside the
 * groups' slots.
 */
import { ConfigError } from '../../errors.js';
import type { GroupId } from '../types.js';

export const DEFAULT_KEY_PREFIX = 'd2m:';

export interface QueueKeys {
    readonly slots: string;
    readonly queue: string;
    readonly counters: string;
    readonly payloads: string;
    readonly held: string;
}

export interface CoordinatorKeys {
    readonly presence: string;
    readonly lock: string;
    readonly leader: string;
    readonly counters: string;
}

export class RedisKeys {
    public readonly prefix: string;

    public constructor(prefix: string = DEFAULT_KEY_PREFIX) {
        // A brace in the prefix would move the hash tag away from the group id.
        if (/[{}\s]/u.test(prefix)) throw new ConfigError(['a Redis key prefix must not contain braces or whitespace']);
        this.prefix = prefix;
    }

    public queue(groupId: GroupId): QueueKeys {
        return {
            slots: this.#key('slots', groupId),
            queue: this.#key('q', groupId),
            counters: this.#key('qc', groupId),
            payloads: this.#key('pl', groupId),
            held: this.#key('held', groupId),
        };
    }

    public coordinator(groupId: GroupId): CoordinatorKeys {
        return {
            presence: this.#key('presence', groupId),
            lock: this.#key('lock', groupId),
            leader: this.#key('leader', groupId),
            counters: this.#key('ctr', groupId),
        };
    }

    /** The group's event channel (same cluster slot as its keys). */
    public channel(groupId: GroupId): string {
        return this.#key('bus', groupId);
    }

    /** The node id's registry key (the live incarnation holding it). */
    public node(nodeId: string): string {
        return `${this.prefix}node:{${nodeId}}`;
    }

    /** Every key the reflection queue keeps for the group (for `deleteGroup`). */
    public allQueueKeys(groupId: GroupId): string[] {
        const keys = this.queue(groupId);
        return [keys.slots, keys.queue, keys.counters, keys.payloads, keys.held];
    }

    #key(kind: string, groupId: GroupId): string {
        return `${this.prefix}${kind}:{${groupId}}`;
    }
}
