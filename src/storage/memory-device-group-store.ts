/**
 * The embedded DeviceGroupStore: every device group lives in a Map in this
 * process, nothing survives a restart. Each method changes state
 * synchronously before its promise settles, so each one is atomic with
 * respect to every other call (see device-group-store.ts for the contract).
 */
import type { DeviceId } from '../../d2m/index.js';
import { StorageError } from '../errors.js';
import { decideLogin, lastActivity } from './login-decision.js';
import type { DeviceGroupStore, ExpiryCandidate, LoginSlotRequest, LoginSlotResult } from './device-group-store.js';
import { isSlotExpired, type DeviceSlot, type GroupId, type SlotPolicy, type SlotPolicyOverride } from './types.js';

const EMPTY_BYTES = new Uint8Array(0);
/** A first login pass without presence found that the decision depends on it. */
const PRESENCE_NEEDED = Symbol('presence needed');
type PresenceNeeded = typeof PRESENCE_NEEDED;
const NO_OVERRIDE: SlotPolicyOverride = Object.freeze({});

const POLICY_FIELDS: readonly (keyof SlotPolicy)[] = [
    'maxDeviceSlots',
    'queueMaxCount',
    'queueMaxBytes',
    'volatileGraceMs',
    'persistentExpiryMs',
    'tombstoneTtlMs',
];

interface GroupRecord {
    /** Device id → slot. Slot records are replaced on change, never mutated. */
    readonly slots: Map<DeviceId, DeviceSlot>;
    /** Device id → tombstone expiry (Unix ms); allocated on the first tombstone. */
    tombstones: Map<DeviceId, number> | undefined;
    sharedDeviceData: Uint8Array;
    override: SlotPolicyOverride;
}

function compareKeys<T extends bigint | string>(a: T, b: T): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

function copySlot(slot: DeviceSlot): DeviceSlot {
    return { ...slot, encryptedDeviceInfo: slot.encryptedDeviceInfo.slice() };
}

/** Keeps only the known, defined fields, so a stored override never aliases the caller's object. */
function cleanOverride(override: SlotPolicyOverride): SlotPolicyOverride {
    const result: Partial<Record<keyof SlotPolicy, number>> = {};
    for (const field of POLICY_FIELDS) {
        const value = override[field];
        if (value !== undefined) result[field] = value;
    }
    return result;
}

export class MemoryDeviceGroupStore implements DeviceGroupStore {
    readonly #groups = new Map<GroupId, GroupRecord>();
    #closed = false;

    public async loginSlot(request: LoginSlotRequest): Promise<LoginSlotResult> {
        const online = request.onlineDeviceIds;
        // Without presence first when it is to be read; read it only when the decision depends on it.
        const first = await this.#run(() =>
            this.#loginSlot(request, typeof online === 'function' ? undefined : online),
        );
        if (first !== PRESENCE_NEEDED) return first;
        const known = typeof online === 'function' ? await online() : online;
        const second = await this.#run(() => this.#loginSlot(request, known));
        if (second === PRESENCE_NEEDED) throw new Error('the login decision asked for presence it was given');
        return second;
    }

    public recordDisconnect(groupId: GroupId, deviceId: DeviceId, now: number): Promise<void> {
        return this.#run(() => {
            const group = this.#groups.get(groupId);
            const slot = group?.slots.get(deviceId);
            if (group === undefined || slot === undefined) return;
            group.slots.set(deviceId, { ...slot, lastDisconnectAt: now });
        });
    }

    public getSlot(groupId: GroupId, deviceId: DeviceId): Promise<DeviceSlot | undefined> {
        return this.#run(() => {
            const slot = this.#groups.get(groupId)?.slots.get(deviceId);
            return slot === undefined ? undefined : copySlot(slot);
        });
    }

    public listSlots(groupId: GroupId): Promise<readonly DeviceSlot[]> {
        return this.#run(() => {
            const slots = [...(this.#groups.get(groupId)?.slots.values() ?? [])];
            slots.sort((a, b) => a.createdAt - b.createdAt || compareKeys(a.deviceId, b.deviceId));
            return slots.map(copySlot);
        });
    }

    public dropSlot(groupId: GroupId, deviceId: DeviceId): Promise<boolean> {
        return this.#run(() => {
            const group = this.#groups.get(groupId);
            if (group === undefined) return false;
            group.tombstones?.delete(deviceId);
            const existed = group.slots.delete(deviceId);
            this.#forgetIfEmpty(groupId, group);
            return existed;
        });
    }

    public addTombstone(groupId: GroupId, deviceId: DeviceId, expiresAt: number): Promise<void> {
        return this.#run(() => {
            const group = this.#groupFor(groupId);
            group.slots.delete(deviceId);
            group.tombstones ??= new Map();
            group.tombstones.set(deviceId, expiresAt);
        });
    }

    public getSharedDeviceData(groupId: GroupId): Promise<Uint8Array> {
        return this.#run(() => (this.#groups.get(groupId)?.sharedDeviceData ?? EMPTY_BYTES).slice());
    }

    public setSharedDeviceData(groupId: GroupId, data: Uint8Array): Promise<void> {
        return this.#run(() => {
            const group = this.#groupFor(groupId);
            group.sharedDeviceData = data.slice();
            this.#forgetIfEmpty(groupId, group);
        });
    }

    public getPolicyOverride(groupId: GroupId): Promise<SlotPolicyOverride> {
        return this.#run(() => cleanOverride(this.#groups.get(groupId)?.override ?? NO_OVERRIDE));
    }

    public setPolicyOverride(groupId: GroupId, override: SlotPolicyOverride): Promise<void> {
        return this.#run(() => {
            const group = this.#groupFor(groupId);
            const cleaned = cleanOverride(override);
            group.override = Object.keys(cleaned).length === 0 ? NO_OVERRIDE : cleaned;
            this.#forgetIfEmpty(groupId, group);
        });
    }

    public listExpiryCandidates(now: number, defaults: SlotPolicy, limit: number): Promise<readonly ExpiryCandidate[]> {
        return this.#run(() => {
            const found: { readonly candidate: ExpiryCandidate; readonly activity: number }[] = [];
            for (const [groupId, group] of this.#groups) {
                for (const [deviceId, expiresAt] of group.tombstones ?? []) {
                    if (expiresAt <= now) group.tombstones?.delete(deviceId);
                }
                const policy = { ...defaults, ...group.override };
                for (const slot of group.slots.values()) {
                    // No disconnect after the latest login: the device counts as online since then.
                    const online = slot.lastDisconnectAt === undefined || slot.lastDisconnectAt < slot.lastLoginAt;
                    if (!isSlotExpired(slot, policy, online, now)) continue;
                    found.push({ candidate: { groupId, deviceId: slot.deviceId }, activity: lastActivity(slot) });
                }
                this.#forgetIfEmpty(groupId, group);
            }
            found.sort(
                (a, b) =>
                    a.activity - b.activity ||
                    compareKeys(a.candidate.groupId, b.candidate.groupId) ||
                    compareKeys(a.candidate.deviceId, b.candidate.deviceId),
            );
            return found.slice(0, Math.max(0, limit)).map((entry) => entry.candidate);
        });
    }

    public listGroups(): Promise<readonly GroupId[]> {
        return this.#run(() => {
            const groups: GroupId[] = [];
            for (const [groupId, group] of this.#groups) if (group.slots.size > 0) groups.push(groupId);
            return groups;
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

    #loginSlot(request: LoginSlotRequest, online: ReadonlySet<DeviceId> | undefined): LoginSlotResult | PresenceNeeded {
        const { groupId, deviceId, now } = request;
        const group = this.#groups.get(groupId);

        // Decide everything first; nothing is written unless the login succeeds.
        const tombstoneExpiresAt = group?.tombstones?.get(deviceId);
        if (tombstoneExpiresAt !== undefined && tombstoneExpiresAt > now) return { status: 'tombstoned' };

        const policy = { ...request.defaults, ...(group?.override ?? NO_OVERRIDE) };
        const decision = decideLogin(request, policy, group?.slots.values() ?? [], online);
        if (decision.refusal === 'presence-needed') return PRESENCE_NEEDED;
        if (decision.refusal !== undefined) return decision.refusal;
        const { slotState, own, expired, evicted } = decision;

        const target = group ?? this.#groupFor(groupId);
        if (tombstoneExpiresAt !== undefined) target.tombstones?.delete(deviceId);
        for (const id of expired) target.slots.delete(id);
        for (const id of evicted) target.slots.delete(id);
        target.slots.set(deviceId, {
            deviceId,
            expirationPolicy: request.expirationPolicy,
            encryptedDeviceInfo: request.encryptedDeviceInfo.slice(),
            createdAt: own?.createdAt ?? now,
            lastLoginAt: now,
            lastDisconnectAt: own?.lastDisconnectAt,
        });
        const encryptedSharedDeviceData = target.sharedDeviceData.slice();
        return { status: 'ok', slotState, evicted, expired, policy, encryptedSharedDeviceData };
    }

    #groupFor(groupId: GroupId): GroupRecord {
        let group = this.#groups.get(groupId);
        if (group === undefined) {
            group = { slots: new Map(), tombstones: undefined, sharedDeviceData: EMPTY_BYTES, override: NO_OVERRIDE };
            this.#groups.set(groupId, group);
        }
        return group;
    }

    /** Drops a group record that holds nothing, so forgotten groups cost no memory. */
    #forgetIfEmpty(groupId: GroupId, group: GroupRecord): void {
        if (
            group.slots.size === 0 &&
            (group.tombstones?.size ?? 0) === 0 &&
            group.sharedDeviceData.byteLength === 0 &&
            Object.keys(group.override).length === 0
        ) {
            this.#groups.delete(groupId);
        }
    }

    /**
     * Runs a synchronous state change as one atomic step and settles its
     * promise with the result. Nothing in memory fails the way a network
     * store does: an exception here is a bug and is passed on as it is (the
     * session closes with 1011 and logs it as an error).
     */
    #run<T>(operation: () => T): Promise<T> {
        if (this.#closed) return Promise.reject(new StorageError('device group store is closed', { retryable: false }));
        try {
            return Promise.resolve(operation());
        } catch (error) {
            return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
    }
}
