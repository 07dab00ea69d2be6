/**
 * Helpers shared by the storage contract suites. Everything here goes
 * through the public interfaces only, so the suites run unchanged against
 * every backend (including shared Redis/PostgreSQL instances).
 */
import { randomBytes } from 'node:crypto';
import { ensureDeviceId, type DeviceId } from '../../d2m/index.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import type { GroupCoordinator, GroupEvent } from '../../src/storage/group-coordinator.js';
import { ensureGroupId, type GroupId, type SlotPolicy } from '../../src/storage/types.js';

export type BackendFactory = () => Promise<StorageBackend>;

/** How long a test waits for an event before it fails. */
export const EVENT_TIMEOUT_MS = 5_000;

/** A fresh random group id, so tests never share state, even on a shared database. */
export function randomGroupId(): GroupId {
    return ensureGroupId(randomBytes(32).toString('hex'));
}

export function deviceId(value: number | bigint): DeviceId {
    return ensureDeviceId(BigInt(value));
}

/** Sorted copy, for comparing device id sets whose order is unspecified. */
export function sortedIds(ids: Iterable<DeviceId>): DeviceId[] {
    return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function bytes(...values: number[]): Uint8Array {
    return Uint8Array.from(values);
}

export function hex(value: Uint8Array): string {
    return Buffer.from(value).toString('hex');
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;

export const TEST_POLICY: SlotPolicy = {
    maxDeviceSlots: 3,
    queueMaxCount: 1_000,
    queueMaxBytes: 1_000_000,
    volatileGraceMs: 10 * MINUTE_MS,
    persistentExpiryMs: 90 * DAY_MS,
    tombstoneTtlMs: DAY_MS,
};

export interface BackendContext {
    readonly backend: () => StorageBackend;
    /** A fresh group id whose data is deleted after the test. */
    readonly groupId: () => GroupId;
    /** Runs `cleanup` after the test, before the backend is closed (last registered runs first). */
    readonly defer: (cleanup: () => Promise<void>) => void;
    /** An event recorder on the group's bus, closed after the test. */
    readonly recorder: (groupId: GroupId) => Promise<EventRecorder>;
}

/**
 * Creates one backend per test through the factory and closes it
 * afterwards, after the test's deferred cleanups and after deleting every
 * group the test asked for (so shared databases do not fill up).
 */
export function useBackend(factory: BackendFactory): BackendContext {
    let current: StorageBackend | undefined;
    let groups: GroupId[] = [];
    let cleanups: (() => Promise<void>)[] = [];
    beforeEach(async function () {
        groups = [];
        cleanups = [];
        current = await factory();
    });
    afterEach(async function () {
        const backend = current;
        current = undefined;
        if (backend === undefined) return;
        try {
            for (const cleanup of cleanups.reverse()) await cleanup();
            for (const groupId of groups) {
                await backend.groups.deleteGroup(groupId);
                await backend.queue.deleteGroup(groupId);
            }
        } finally {
            await backend.close();
        }
    });
    const context: BackendContext = {
        backend: () => {
            if (current === undefined) throw new Error('no backend outside a test');
            return current;
        },
        groupId: () => {
            const groupId = randomGroupId();
            groups.push(groupId);
            return groupId;
        },
        defer: (cleanup) => {
            cleanups.push(cleanup);
        },
        recorder: async (groupId) => {
            const recorder = await EventRecorder.attach(context.backend().coordinator, groupId);
            context.defer(() => recorder.close());
            return recorder;
        },
    };
    return context;
}

interface Waiter {
    readonly predicate: (event: GroupEvent) => boolean;
    readonly resolve: (event: GroupEvent) => void;
}

/**
 * Records the events of one group's bus. Tests wait for events with a
 * timeout rather than sleeping, and use `flush` (a marker event published
 * after the operations under test) to know that every earlier event has
 * arrived, since the bus keeps publication order.
 */
export class EventRecorder {
    public readonly events: GroupEvent[] = [];
    readonly #coordinator: GroupCoordinator;
    readonly #groupId: GroupId;
    #waiters: Waiter[] = [];
    #unsubscribe: (() => Promise<void>) | undefined;

    private constructor(coordinator: GroupCoordinator, groupId: GroupId) {
        this.#coordinator = coordinator;
        this.#groupId = groupId;
    }

    public static async attach(coordinator: GroupCoordinator, groupId: GroupId): Promise<EventRecorder> {
        const recorder = new EventRecorder(coordinator, groupId);
        recorder.#unsubscribe = await coordinator.subscribe(groupId, (event) => recorder.#receive(event));
        return recorder;
    }

    /** Resolves the first recorded event (past or future) that matches, or rejects after the timeout. */
    public waitFor(predicate: (event: GroupEvent) => boolean, timeoutMs = EVENT_TIMEOUT_MS): Promise<GroupEvent> {
        const found = this.events.find(predicate);
        if (found !== undefined) return Promise.resolve(found);
        return new Promise((resolve, reject) => {
            const waiter: Waiter = {
                predicate,
                resolve: (event) => {
                    clearTimeout(timer);
                    resolve(event);
                },
            };
            const timer = setTimeout(() => {
                this.#waiters = this.#waiters.filter((other) => other !== waiter);
                reject(new Error(`no matching event within ${timeoutMs} ms; got ${eventTypes(this.events)}`));
            }, timeoutMs);
            this.#waiters.push(waiter);
        });
    }

    /** Publishes a marker and waits for it: afterwards every event published before has been recorded. */
    public async flush(): Promise<void> {
        const marker = randomBytes(16);
        const markerHex = hex(marker);
        await this.#coordinator.publish(this.#groupId, {
            type: 'ephemeral',
            senderDeviceId: deviceId(0),
            flags: 0,
            timestamp: 0,
            envelope: marker,
        });
        await this.waitFor((event) => isMarker(event) && hex(event.envelope) === markerHex);
    }

    /** Recorded events, markers left out. */
    public withoutMarkers(): GroupEvent[] {
        return this.events.filter((event) => !isMarker(event));
    }

    public async close(): Promise<void> {
        const unsubscribe = this.#unsubscribe;
        this.#unsubscribe = undefined;
        if (unsubscribe !== undefined) await unsubscribe();
    }

    #receive(event: GroupEvent): void {
        this.events.push(event);
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const waiter of waiters) {
            if (waiter.predicate(event)) waiter.resolve(event);
            else this.#waiters.push(waiter);
        }
    }
}

function isMarker(event: GroupEvent): event is Extract<GroupEvent, { type: 'ephemeral' }> {
    return event.type === 'ephemeral' && event.senderDeviceId === 0n && event.envelope.byteLength === 16;
}

function eventTypes(events: readonly GroupEvent[]): string {
    return JSON.stringify(events.map((event) => event.type));
}
