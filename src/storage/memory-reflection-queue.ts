/**
 * The embedded ReflectionQueue: per-slot queues in this process, nothing
 * survives a restart. Each method changes state synchronously before its
 * promise settles, and `append`/`releaseHeld` hand their `appended` event to
 * the bus in the same synchronous step, so no other call can observe the
 * items without the event having been published (see reflection-queue.ts).
 */
import type { DeviceId } from '../../d2m/index.js';
import { LockLostError, PresenceLostError, StorageError } from '../errors.js';
import type { GroupEvent } from './group-coordinator.js';
import type {
    AppendRequest,
    AppendResult,
    QueueItem,
    QueueLimits,
    QueueStats,
    ReflectionQueue,
    ReleaseResult,
    SlotAcks,
} from './reflection-queue.js';
import type { GroupId } from './types.js';

/**
 * Hands an event to the group bus. It must enqueue the event before it
 * returns (the returned promise may settle later): that is what makes an
 * append and its event one step.
 */
export type PublishGroupEvent = (groupId: GroupId, event: GroupEvent) => Promise<void> | void;

/**
 * Reads the group's transaction lock as the coordinator stores it now
 * (synchronously, so a fenced append checks it in its own atomic step).
 */
export type CurrentLock = (groupId: GroupId) => { readonly token: string; readonly expiresAt: number } | undefined;

/**
 * Reads a slot's presence as the coordinator stores it now (synchronously,
 * so a fenced append checks it in its own atomic step).
 */
export type CurrentPresence = (
    groupId: GroupId,
    deviceId: DeviceId,
) => { readonly connectionId: string; readonly expiresAt: number } | undefined;

/** Whether `connectionId` is the slot's presence, unexpired at `now`. */
function isPresent(
    presenceOf: CurrentPresence,
    groupId: GroupId,
    deviceId: DeviceId,
    connectionId: string,
    now: number,
): boolean {
    const presence = presenceOf(groupId, deviceId);
    return presence !== undefined && presence.connectionId === connectionId && presence.expiresAt > now;
}

/** Whether `token` is the token of the group's lock, unexpired at `now`. */
function isCurrentToken(lockOf: CurrentLock, groupId: GroupId, token: string, now: number): boolean {
    const lock = lockOf(groupId);
    return lock !== undefined && lock.token === token && lock.expiresAt > now;
}

/** The first seq of a slot, and again after `removeSlot` resets it. */
const FIRST_SEQ = 1;

/** A slot's array is compacted once this many leading entries are gone and they are the larger part. */
const COMPACT_MIN_HEAD = 1024;

/** One reflection, stored once per group and shared by every queue that references it. */
interface Payload {
    readonly flags: number;
    readonly timestamp: number;
    readonly envelope: Uint8Array;
    /** Queues that still reference it; the payload is forgotten at zero. */
    refs: number;
}

interface HeldItem {
    readonly senderDeviceId: DeviceId;
    readonly payload: Payload;
}

/**
 * One slot's queue. Seqs of a slot are consecutive, so an item's position is
 * `seq - headSeq + head`; an ack in the middle leaves a hole (undefined)
 * that the head skips once it reaches it. Empty slots allocate no array.
 */
interface SlotQueue {
    entries: (Payload | undefined)[] | undefined;
    /** Index in `entries` of the entry with seq `headSeq`. */
    head: number;
    /** Seq of `entries[head]`; equals `nextSeq` when the queue is empty. */
    headSeq: number;
    nextSeq: number;
    count: number;
    bytes: number;
}

interface QueueGroup {
    readonly slots: Map<DeviceId, SlotQueue>;
    /** Transaction token → items held until release, in append order; allocated on the first hold. */
    held: Map<string, HeldItem[]> | undefined;
    /** Payloads referenced by at least one queue or held list. */
    payloadCount: number;
    payloadBytes: number;
}

/** What the group keeps in payload storage; for diagnostics and tests of this backend. */
export interface PayloadStats {
    readonly count: number;
    readonly bytes: number;
}

function emptySlot(): SlotQueue {
    return { entries: undefined, head: 0, headSeq: FIRST_SEQ, nextSeq: FIRST_SEQ, count: 0, bytes: 0 };
}

export class MemoryReflectionQueue implements ReflectionQueue {
    /** Every append changes the state synchronously when it is called: call order is apply order. */
    public readonly appendsInCallOrder = true;
    readonly #publish: PublishGroupEvent;
    readonly #lockOf: CurrentLock;
    readonly #presenceOf: CurrentPresence;
    readonly #groups = new Map<GroupId, QueueGroup>();
    #closed = false;

    public constructor(publish: PublishGroupEvent, lockOf: CurrentLock, presenceOf: CurrentPresence) {
        this.#publish = publish;
        this.#lockOf = lockOf;
        this.#presenceOf = presenceOf;
    }

    public addSlot(groupId: GroupId, deviceId: DeviceId): Promise<void> {
        return this.#run(() => {
            const group = this.#groupFor(groupId);
            if (!group.slots.has(deviceId)) group.slots.set(deviceId, emptySlot());
        });
    }

    public removeSlot(groupId: GroupId, deviceId: DeviceId): Promise<void> {
        return this.#run(() => {
            const group = this.#groups.get(groupId);
            if (group === undefined) return;
            this.#removeSlot(group, deviceId);
            this.#forgetIfEmpty(groupId, group);
        });
    }

    public listSlots(groupId: GroupId): Promise<readonly DeviceId[]> {
        return this.#run(() => [...(this.#groups.get(groupId)?.slots.keys() ?? [])]);
    }

    public async append(request: AppendRequest): Promise<AppendResult> {
        const { result, event } = await this.#run(() => {
            if (
                request.senderConnectionId !== undefined &&
                !isPresent(
                    this.#presenceOf,
                    request.groupId,
                    request.senderDeviceId,
                    request.senderConnectionId,
                    request.timestamp,
                )
            ) {
                throw new PresenceLostError('refused a reflection: its connection is no longer the slot’s presence');
            }
            if (
                request.hold !== undefined &&
                !isCurrentToken(this.#lockOf, request.groupId, request.hold, request.timestamp)
            ) {
                throw new LockLostError('refused a held reflection: its transaction lock is no longer current');
            }
            const group = this.#groupFor(request.groupId);
            // Callers pass views into received frames: keep a copy of our own.
            const payload: Payload = {
                flags: request.flags,
                timestamp: request.timestamp,
                envelope: request.envelope.slice(),
                refs: 0,
            };
            if (request.hold !== undefined) {
                this.#hold(group, request.hold, { senderDeviceId: request.senderDeviceId, payload });
                return { result: { recipients: [], overflowed: [] }, event: undefined };
            }
            const recipients: DeviceId[] = [];
            const overflowed: DeviceId[] = [];
            this.#fanOut(group, request.senderDeviceId, payload, request.limits, recipients, overflowed);
            this.#forgetIfEmpty(request.groupId, group);
            return {
                result: { recipients, overflowed },
                event: this.#appended(request.groupId, recipients, payload),
            };
        });
        await event;
        return result;
    }

    public async releaseHeld(groupId: GroupId, token: string, limits: QueueLimits): Promise<ReleaseResult> {
        const { result, event } = await this.#run(() => {
            const group = this.#groups.get(groupId);
            const items = group?.held?.get(token);
            if (group === undefined || items === undefined) {
                return { result: { released: 0, overflowed: [] }, event: undefined };
            }
            group.held?.delete(token);
            const received = new Set<DeviceId>();
            const overflowed: DeviceId[] = [];
            for (const { senderDeviceId, payload } of items) {
                this.#unref(group, payload);
                const recipients: DeviceId[] = [];
                this.#fanOut(group, senderDeviceId, payload, limits, recipients, overflowed);
                for (const id of recipients) received.add(id);
            }
            // A slot that overflowed on a later item has no queue left to read.
            const recipients = [...received].filter((id) => group.slots.has(id));
            this.#forgetIfEmpty(groupId, group);
            return { result: { released: items.length, overflowed }, event: this.#appended(groupId, recipients) };
        });
        await event;
        return result;
    }

    public staleHeldTokens(groupId: GroupId, now: number): Promise<readonly string[]> {
        return this.#run(() => {
            const held = this.#groups.get(groupId)?.held;
            if (held === undefined) return [];
            return [...held.keys()].filter((token) => !isCurrentToken(this.#lockOf, groupId, token, now));
        });
    }

    public read(
        groupId: GroupId,
        deviceId: DeviceId,
        afterSeq: number,
        maxItems: number,
        maxBytes: number,
    ): Promise<readonly QueueItem[]> {
        return this.#run(() => {
            const slot = this.#groups.get(groupId)?.slots.get(deviceId);
            const items: QueueItem[] = [];
            if (slot?.entries === undefined) return items;
            const { entries } = slot;
            const startSeq = Math.max(slot.headSeq, Math.floor(afterSeq) + 1);
            let bytes = 0;
            for (let index = slot.head + startSeq - slot.headSeq; index < entries.length; index++) {
                if (items.length >= maxItems) break;
                const payload = entries[index];
                if (payload === undefined) continue;
                bytes += payload.envelope.byteLength;
                if (items.length > 0 && bytes > maxBytes) break;
                // Envelopes are shared between queues and are never written to after the append.
                items.push({
                    seq: slot.headSeq + index - slot.head,
                    flags: payload.flags,
                    timestamp: payload.timestamp,
                    envelope: payload.envelope,
                });
            }
            return items;
        });
    }

    public ack(groupId: GroupId, deviceId: DeviceId, seq: number): Promise<boolean> {
        return this.#run(() => this.#ack(groupId, deviceId, [seq]) === 1);
    }

    public ackMany(groupId: GroupId, acks: readonly SlotAcks[]): Promise<number> {
        return this.#run(() =>
            acks.reduce((removed, slot) => removed + this.#ack(groupId, slot.deviceId, slot.seqs), 0),
        );
    }

    public stats(groupId: GroupId, deviceId: DeviceId): Promise<QueueStats> {
        return this.#run(() => {
            const slot = this.#groups.get(groupId)?.slots.get(deviceId);
            if (slot?.entries === undefined) return { count: 0, bytes: 0, oldestTimestamp: undefined };
            return { count: slot.count, bytes: slot.bytes, oldestTimestamp: slot.entries[slot.head]?.timestamp };
        });
    }

    /** Payloads the group stores (each once, however many queues reference it). Not part of the contract. */
    public payloadStats(groupId: GroupId): Promise<PayloadStats> {
        return this.#run(() => {
            const group = this.#groups.get(groupId);
            return { count: group?.payloadCount ?? 0, bytes: group?.payloadBytes ?? 0 };
        });
    }

    public deleteGroup(groupId: GroupId): Promise<void> {
        return this.#run(() => {
            this.#groups.delete(groupId);
        });
    }

    public close(): Promise<void> {
        this.#closed = true;
        this.#groups.clear();
        return Promise.resolve();
    }

    /** Removes the listed items that exist; returns how many. */
    #ack(groupId: GroupId, deviceId: DeviceId, seqs: readonly number[]): number {
        const group = this.#groups.get(groupId);
        const slot = group?.slots.get(deviceId);
        if (group === undefined || slot === undefined) return 0;
        let removed = 0;
        for (const seq of seqs) {
            if (slot.entries === undefined || !Number.isInteger(seq)) continue;
            if (seq < slot.headSeq || seq >= slot.nextSeq) continue;
            const index = slot.head + seq - slot.headSeq;
            const payload = slot.entries[index];
            if (payload === undefined) continue;
            slot.entries[index] = undefined;
            slot.count -= 1;
            slot.bytes -= payload.envelope.byteLength;
            this.#unref(group, payload);
            this.#advanceHead(slot);
            removed += 1;
        }
        return removed;
    }

    /** Appends `payload` to every member but the sender, within limits; fills `recipients` and `overflowed`. */
    #fanOut(
        group: QueueGroup,
        senderDeviceId: DeviceId,
        payload: Payload,
        limits: QueueLimits,
        recipients: DeviceId[],
        overflowed: DeviceId[],
    ): void {
        const size = payload.envelope.byteLength;
        for (const [deviceId, slot] of group.slots) {
            if (deviceId === senderDeviceId) continue;
            if (slot.count + 1 > limits.maxCount || slot.bytes + size > limits.maxBytes) {
                this.#removeSlot(group, deviceId);
                overflowed.push(deviceId);
                continue;
            }
            if (slot.entries === undefined) slot.entries = [];
            slot.entries.push(payload);
            slot.nextSeq += 1;
            slot.count += 1;
            slot.bytes += size;
            this.#ref(group, payload);
            recipients.push(deviceId);
        }
    }

    #hold(group: QueueGroup, token: string, item: HeldItem): void {
        group.held ??= new Map();
        let items = group.held.get(token);
        if (items === undefined) {
            items = [];
            group.held.set(token, items);
        }
        items.push(item);
        this.#ref(group, item.payload);
    }

    /**
     * Publishes `appended` now (same synchronous step as the change), with
     * each slot's newest seq, and the item when the change appended just
     * `item` (see GroupEvent); resolves when the bus took it.
     */
    #appended(groupId: GroupId, deviceIds: readonly DeviceId[], item?: Payload): Promise<void> | void {
        if (deviceIds.length === 0) return undefined;
        const slots = this.#groups.get(groupId)?.slots;
        const seqs = deviceIds.map((deviceId) => (slots?.get(deviceId)?.nextSeq ?? FIRST_SEQ) - 1);
        if (item === undefined) return this.#publish(groupId, { type: 'appended', deviceIds, seqs });
        const { flags, timestamp, envelope } = item;
        return this.#publish(groupId, { type: 'appended', deviceIds, seqs, items: [{ flags, timestamp, envelope }] });
    }

    #removeSlot(group: QueueGroup, deviceId: DeviceId): void {
        const slot = group.slots.get(deviceId);
        if (slot === undefined) return;
        group.slots.delete(deviceId);
        if (slot.entries === undefined) return;
        for (let index = slot.head; index < slot.entries.length; index++) {
            const payload = slot.entries[index];
            if (payload !== undefined) this.#unref(group, payload);
        }
    }

    #ref(group: QueueGroup, payload: Payload): void {
        if (payload.refs === 0) {
            group.payloadCount += 1;
            group.payloadBytes += payload.envelope.byteLength;
        }
        payload.refs += 1;
    }

    #unref(group: QueueGroup, payload: Payload): void {
        payload.refs -= 1;
        if (payload.refs === 0) {
            group.payloadCount -= 1;
            group.payloadBytes -= payload.envelope.byteLength;
        }
    }

    /** Moves the head past acked entries; drops or compacts the array so it does not grow without bound. */
    #advanceHead(slot: SlotQueue): void {
        const entries = slot.entries;
        if (entries === undefined) return;
        while (slot.head < entries.length && entries[slot.head] === undefined) {
            slot.head += 1;
            slot.headSeq += 1;
        }
        if (slot.head === entries.length) {
            slot.entries = undefined;
            slot.head = 0;
        } else if (slot.head >= COMPACT_MIN_HEAD && slot.head * 2 >= entries.length) {
            slot.entries = entries.slice(slot.head);
            slot.head = 0;
        }
    }

    #groupFor(groupId: GroupId): QueueGroup {
        let group = this.#groups.get(groupId);
        if (group === undefined) {
            group = { slots: new Map(), held: undefined, payloadCount: 0, payloadBytes: 0 };
            this.#groups.set(groupId, group);
        }
        return group;
    }

    #forgetIfEmpty(groupId: GroupId, group: QueueGroup): void {
        if (group.slots.size === 0 && (group.held?.size ?? 0) === 0) this.#groups.delete(groupId);
    }

    /**
     * Runs a synchronous state change as one atomic step and settles its
     * promise with the result. Nothing in memory fails the way a network
     * store does: an exception here is a bug and is passed on as it is (the
     * session closes with 1011 and logs it as an error).
     */
    #run<T>(operation: () => T): Promise<T> {
        if (this.#closed) return Promise.reject(new StorageError('reflection queue is closed', { retryable: false }));
        try {
            return Promise.resolve(operation());
        } catch (error) {
            return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
    }
}
