/**
 * ReflectionQueue on Redis: one Lua script per operation (lua/), every key of
 * a group under its hash tag (keys.ts), the `appended` event published from
 * inside the scripts. With `appendfsync always`, a resolved `append` is on
 * disk before it resolves, which is what ReflectAck promises.
 *
 * Appends in call order: `append` issues its EVALSHA synchronously (no
 * await before the command reaches the connection's queue, watchdog and
 * timing wrappers included), and one connection's commands run in the
 * order they were sent. The one retry, EVAL after NOSCRIPT, would be sent
 * behind later appends already issued, so it is allowed only for an append
 * that had the sender's connection to itself: no append of the sender was
 * in flight when it was sent, and none was sent after it. Otherwise the
 * append fails (retryable, the session closes with 1013); its neighbours
 * in flight got NOSCRIPT too, unless another client reloaded the script
 * between them, in which case a later one may be stored without the
 * earlier one (not acknowledged; the device sends both again). A cluster
 * connection may redirect a command to another node (MOVED/ASK), so there
 * `appendsInCallOrder` is false.
 */
import type { DeviceId } from '../../../d2m/index.js';
import { LockLostError, PresenceLostError, StorageError } from '../../errors.js';
import type {
    AppendRequest,
    AppendResult,
    QueueItem,
    QueueLimits,
    QueueStats,
    ReflectionQueue,
    ReleaseResult,
    SlotAcks,
} from '../reflection-queue.js';
import type { GroupId } from '../types.js';
import { deviceIdText } from './bus-codec.js';
import type { RedisKeys } from './keys.js';
import {
    bufferOf,
    integerArg,
    redisCall,
    replyArray,
    replyBytes,
    replyDeviceId,
    replyInteger,
    replyText,
    type RedisCommander,
} from './redis-client.js';
import type { LuaScripts } from './scripts.js';
import { ScriptStatus } from './status-codes.js';

export interface RedisReflectionQueueOptions {
    /** A command connection that returns bulk strings as Buffers (see `bufferCommander`). */
    readonly client: RedisCommander;
    readonly scripts: LuaScripts;
    readonly keys: RedisKeys;
    /** Whether one connection carries every append of a group in order (false for a cluster); default true. */
    readonly appendsInCallOrder?: boolean;
}

/** Numbers the scripts compare against; a missing limit means "no limit". */
function limitArg(value: number): string {
    if (Number.isNaN(value)) throw new StorageError('a queue limit is NaN', { retryable: false });
    return String(Number.isFinite(value) ? Math.max(0, Math.floor(value)) : Number.MAX_SAFE_INTEGER);
}

function deviceIdList(value: unknown, what: string): DeviceId[] {
    return replyArray(value, what).map((id) => replyDeviceId(id, what));
}

export class RedisReflectionQueue implements ReflectionQueue {
    public readonly appendsInCallOrder: boolean;
    readonly #client: RedisCommander;
    readonly #scripts: LuaScripts;
    readonly #keys: RedisKeys;
    /** Appends in flight per sender (group and device), for the NOSCRIPT fall-back. */
    readonly #senders = new Map<string, { inFlight: number; issued: number }>();
    #closed = false;

    public constructor(options: RedisReflectionQueueOptions) {
        this.appendsInCallOrder = options.appendsInCallOrder ?? true;
        this.#client = options.client;
        this.#scripts = options.scripts;
        this.#keys = options.keys;
    }

    public async addSlot(groupId: GroupId, deviceId: DeviceId): Promise<void> {
        const keys = this.#open().queue(groupId);
        await this.#scripts.run(this.#client, 'slot-add', [keys.slots], [deviceIdText(deviceId)]);
    }

    public async removeSlot(groupId: GroupId, deviceId: DeviceId): Promise<void> {
        const keys = this.#open().queue(groupId);
        await this.#scripts.run(
            this.#client,
            'slot-remove',
            [keys.slots, keys.queue, keys.counters, keys.payloads, keys.held],
            [deviceIdText(deviceId)],
        );
    }

    public async listSlots(groupId: GroupId): Promise<readonly DeviceId[]> {
        const keys = this.#open().queue(groupId);
        const reply = await redisCall('SMEMBERS', () => this.#client.sendCommand(['SMEMBERS', keys.slots]));
        return deviceIdList(reply, 'slots').sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    }

    public async append(request: AppendRequest): Promise<AppendResult> {
        const keys = this.#open().queue(request.groupId);
        const { lock, presence } = this.#keys.coordinator(request.groupId);
        const args = [
            this.#keys.channel(request.groupId),
            deviceIdText(request.senderDeviceId),
            integerArg(request.flags, 'flags'),
            integerArg(request.timestamp, 'timestamp'),
            bufferOf(request.envelope),
            limitArg(request.limits.maxCount),
            limitArg(request.limits.maxBytes),
            request.hold === undefined ? '0' : '1',
            request.hold ?? '',
            request.senderConnectionId ?? '',
        ];
        const senderKey = `${request.groupId}/${deviceIdText(request.senderDeviceId)}`;
        let sender = this.#senders.get(senderKey);
        if (sender === undefined) {
            sender = { inFlight: 0, issued: 0 };
            this.#senders.set(senderKey, sender);
        }
        // No earlier append of the sender is pending (none can fail behind this one's back) ...
        const alone = sender.inFlight === 0;
        sender.inFlight += 1;
        sender.issued += 1;
        const issued = sender.issued;
        const state = sender;
        // Sent before this method first awaits (see the header): call order is send order.
        const reply = this.#scripts.run(
            this.#client,
            'reflect-append',
            [keys.slots, keys.queue, keys.counters, keys.payloads, keys.held, lock, presence],
            args,
            // ... and none was sent after it (it would run before the EVAL): only then EVAL again.
            { evalOnNoScript: () => alone && state.issued === issued },
        );
        let status: ScriptStatus;
        let values: readonly unknown[];
        try {
            ({ status, values } = await reply);
        } finally {
            state.inFlight -= 1;
            if (state.inFlight === 0) this.#senders.delete(senderKey);
        }
        if (status === ScriptStatus.PRESENCE_LOST) {
            throw new PresenceLostError('refused a reflection: its connection is no longer the slot’s presence');
        }
        if (status === ScriptStatus.LOCK_LOST) {
            throw new LockLostError('refused a held reflection: its transaction lock is no longer current');
        }
        return {
            recipients: deviceIdList(values[0], 'recipients'),
            overflowed: deviceIdList(values[1], 'overflowed'),
        };
    }

    public async releaseHeld(groupId: GroupId, token: string, limits: QueueLimits): Promise<ReleaseResult> {
        const keys = this.#open().queue(groupId);
        const { values } = await this.#scripts.run(
            this.#client,
            'reflect-release',
            [keys.slots, keys.queue, keys.counters, keys.payloads, keys.held],
            [this.#keys.channel(groupId), token, limitArg(limits.maxCount), limitArg(limits.maxBytes)],
        );
        return {
            released: replyInteger(values[0], 'released'),
            overflowed: deviceIdList(values[1], 'overflowed'),
        };
    }

    public async staleHeldTokens(groupId: GroupId, now: number): Promise<readonly string[]> {
        const keys = this.#open().queue(groupId);
        const { lock } = this.#keys.coordinator(groupId);
        const { values } = await this.#scripts.run(
            this.#client,
            'held-stale',
            [keys.held, lock],
            [integerArg(now, 'now')],
        );
        return values.map((value) => replyText(value, 'stale token'));
    }

    public async read(
        groupId: GroupId,
        deviceId: DeviceId,
        afterSeq: number,
        maxItems: number,
        maxBytes: number,
    ): Promise<readonly QueueItem[]> {
        const keys = this.#open().queue(groupId);
        const from = Math.max(0, Math.floor(afterSeq));
        if (!(maxItems >= 1) || !Number.isSafeInteger(from + 1)) return [];
        const { values } = await this.#scripts.run(
            this.#client,
            'queue-read',
            [keys.queue, keys.payloads],
            [
                deviceIdText(deviceId),
                String(from),
                Number.isFinite(maxItems) ? String(Math.floor(maxItems)) : '-1',
                Number.isNaN(maxBytes) ? '0' : limitArg(maxBytes),
            ],
        );
        const items: QueueItem[] = [];
        for (let index = 0; index + 3 < values.length; index += 4) {
            items.push({
                seq: replyInteger(values[index], 'seq'),
                flags: replyInteger(values[index + 1], 'flags'),
                timestamp: replyInteger(values[index + 2], 'timestamp'),
                envelope: replyBytes(values[index + 3], 'envelope'),
            });
        }
        return items;
    }

    public async ack(groupId: GroupId, deviceId: DeviceId, seq: number): Promise<boolean> {
        return (await this.ackMany(groupId, [{ deviceId, seqs: [seq] }])) === 1;
    }

    public async ackMany(groupId: GroupId, acks: readonly SlotAcks[]): Promise<number> {
        const keys = this.#open().queue(groupId);
        const pairs: string[] = [];
        for (const { deviceId, seqs } of acks) {
            const id = deviceIdText(deviceId);
            // Seqs that cannot name an item are left out (they would change nothing).
            for (const seq of seqs) if (Number.isSafeInteger(seq) && seq >= 1) pairs.push(`${id}:${seq}`);
        }
        if (pairs.length === 0) return 0;
        const { values } = await this.#scripts.run(
            this.#client,
            'reflect-ack',
            [keys.queue, keys.counters, keys.payloads],
            [pairs.join(',')],
        );
        return replyInteger(values[0], 'removed');
    }

    public async stats(groupId: GroupId, deviceId: DeviceId): Promise<QueueStats> {
        const keys = this.#open().queue(groupId);
        const { values } = await this.#scripts.run(
            this.#client,
            'queue-stats',
            [keys.queue, keys.counters, keys.payloads],
            [deviceIdText(deviceId)],
        );
        const oldest = replyInteger(values[2], 'oldest timestamp');
        return {
            count: replyInteger(values[0], 'count'),
            bytes: replyInteger(values[1], 'bytes'),
            oldestTimestamp: oldest < 0 ? undefined : oldest,
        };
    }

    /** Payloads stored for the group (each once). Not part of the contract: for tests and diagnostics. */
    public async payloadCount(groupId: GroupId): Promise<number> {
        const keys = this.#open().queue(groupId);
        const reply = await redisCall('HLEN', () => this.#client.sendCommand(['HLEN', keys.payloads]));
        // Three fields per payload: envelope, meta, reference count.
        return replyInteger(reply, 'HLEN') / 3;
    }

    public async deleteGroup(groupId: GroupId): Promise<void> {
        // One DEL of keys in one cluster slot: atomic.
        const keys = this.#open().allQueueKeys(groupId);
        await redisCall('DEL', () => this.#client.sendCommand(['DEL', ...keys]));
    }

    /** The connection belongs to the backend, which closes it. */
    public close(): Promise<void> {
        this.#closed = true;
        return Promise.resolve();
    }

    #open(): RedisKeys {
        if (this.#closed) throw new StorageError('reflection queue is closed', { retryable: false });
        return this.#keys;
    }
}
