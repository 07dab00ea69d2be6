/**
 * DeviceGroupStore: the durable record of device groups. Source of truth for
 * device slots (device info, expiration policy, login and disconnect times),
 * the group's shared device data, per-group policy overrides and tombstones.
 *
 * Implementations: `memory-device-group-store.ts` (embedded, one process,
 * nothing survives a restart) and `postgres/pg-device-group-store.ts`.
 *
 * Contract (checked by test/contract/device-group-store.contract.ts):
 *
 * - Atomicity: every method is atomic per device group. `loginSlot` in
 *   particular reads the group's policy override, decides tombstone,
 *   expected state, slot limit and eviction, writes the slot and reads the
 *   shared device data, as one step: two concurrent logins to a group with
 *   one free slot never both get it. (PostgreSQL: one statement, so one
 *   round trip.)
 * - Expiry: a slot that has expired by its policy (see `isSlotExpired`) is
 *   treated as absent by `loginSlot`, which deletes it and reports it in
 *   `expired`. Other reads return expired slots until they are swept; the
 *   caller decides (the sweeper uses `listExpiryCandidates`).
 * - Tombstones: `addTombstone` deletes the slot and makes `loginSlot` answer
 *   `tombstoned` for that device id until the tombstone expires. `dropSlot`
 *   deletes the slot and any tombstone.
 * - Idempotency: `dropSlot`, `addTombstone`, `recordDisconnect` and
 *   `deleteGroup` may be repeated; a missing slot or group is not an error.
 * - Errors: storage failures reject with `StorageError` (src/errors.ts).
 */
import type {
    DeviceId,
    DeviceSlotExpirationPolicy,
    DeviceSlotsExhaustedPolicy,
    DeviceSlotState,
} from '../../d2m/index.js';
import type { DeviceSlot, GroupId, SlotPolicy, SlotPolicyOverride } from './types.js';

/** See `LoginSlotRequest.onlineDeviceIds`. */
export type OnlineDeviceIds = ReadonlySet<DeviceId> | (() => Promise<ReadonlySet<DeviceId>>);

export interface LoginSlotRequest {
    readonly groupId: GroupId;
    readonly deviceId: DeviceId;
    readonly expirationPolicy: DeviceSlotExpirationPolicy;
    readonly encryptedDeviceInfo: Uint8Array;
    /** `undefined` when the client did not send field 7: never enforced then. */
    readonly expectedState: DeviceSlotState | undefined;
    readonly exhaustedPolicy: DeviceSlotsExhaustedPolicy;
    /**
     * Device ids online now (from presence; the device itself excluded):
     * online slots never count as expired, and eviction ranks offline slots
     * first. Either the set, or a function that reads it: the store calls
     * it only when the decision depends on it (a slot other than the
     * device's own would count as expired if its device were offline, or
     * slots must be evicted), and then decides again, atomically, with the
     * answer (PostgreSQL: a second statement). A reconnect to a group with
     * nothing expired and no eviction thus needs no presence read.
     */
    readonly onlineDeviceIds: OnlineDeviceIds;
    /**
     * The global defaults. The store merges the group's override over them
     * (as `{ ...defaults, ...override }`), in the same atomic step, and
     * decides with the result.
     */
    readonly defaults: SlotPolicy;
    /** Unix ms. */
    readonly now: number;
}

export type LoginSlotResult =
    | {
          readonly status: 'ok';
          /** NEW when this login created the slot. */
          readonly slotState: DeviceSlotState;
          /** Slots dropped to make room (DROP_LEAST_RECENT); online ones must be closed with 4113. */
          readonly evicted: readonly DeviceId[];
          /** Slots found expired and deleted during this login (this device's own old slot included). */
          readonly expired: readonly DeviceId[];
          /** The group's effective policy the login was decided with: `defaults` merged with the override. */
          readonly policy: SlotPolicy;
          /** The group's shared device data as `getSharedDeviceData` would answer it (a copy). */
          readonly encryptedSharedDeviceData: Uint8Array;
      }
    /** A tombstone exists (queue overflow): close 4114; nothing was written. */
    | { readonly status: 'tombstoned' }
    /** `expectedState` did not match: close 4115; nothing was written. */
    | { readonly status: 'slot-state-mismatch'; readonly actual: DeviceSlotState }
    /** New slot needed, all in use, policy REJECT: close 4111; nothing was written. */
    | { readonly status: 'device-limit-reached' };

export interface ExpiryCandidate {
    readonly groupId: GroupId;
    readonly deviceId: DeviceId;
}

export interface DeviceGroupStore {
    /**
     * Creates or reuses the slot for a login, atomically (see the contract).
     * On success the slot holds the request's device info and expiration
     * policy, `lastLoginAt = now`, and keeps its `createdAt`.
     */
    loginSlot(request: LoginSlotRequest): Promise<LoginSlotResult>;

    /** Sets `lastDisconnectAt = now` when the slot exists. */
    recordDisconnect(groupId: GroupId, deviceId: DeviceId, now: number): Promise<void>;

    getSlot(groupId: GroupId, deviceId: DeviceId): Promise<DeviceSlot | undefined>;

    /** All slots of the group, ordered by creation time (then device id). */
    listSlots(groupId: GroupId): Promise<readonly DeviceSlot[]>;

    /** Deletes the slot and any tombstone for it. Resolves true when a slot existed. */
    dropSlot(groupId: GroupId, deviceId: DeviceId): Promise<boolean>;

    /** Deletes the slot and records a tombstone until `expiresAt` (Unix ms). */
    addTombstone(groupId: GroupId, deviceId: DeviceId, expiresAt: number): Promise<void>;

    /** The group's shared device data blob, or empty bytes when none was set. */
    getSharedDeviceData(groupId: GroupId): Promise<Uint8Array>;

    setSharedDeviceData(groupId: GroupId, data: Uint8Array): Promise<void>;

    /** The operator's override for the group, `{}` when none. */
    getPolicyOverride(groupId: GroupId): Promise<SlotPolicyOverride>;

    /** Replaces the group's override (`{}` removes it). Applies to later logins. */
    setPolicyOverride(groupId: GroupId, override: SlotPolicyOverride): Promise<void>;

    /**
     * Slots that have expired by timestamps at `now` under `defaults` merged
     * with each group's override, treating a slot with no disconnect after
     * its last login as online-since-login (the caller checks presence before
     * dropping). At most `limit` rows, oldest first. Expired tombstones are
     * purged as a side effect.
     */
    listExpiryCandidates(now: number, defaults: SlotPolicy, limit: number): Promise<readonly ExpiryCandidate[]>;

    /** Every group id that has at least one slot, in no particular order. */
    listGroups(): Promise<readonly GroupId[]>;

    /** Deletes everything of the group. */
    deleteGroup(groupId: GroupId): Promise<void>;

    /** Releases connections; the store is unusable afterwards. */
    close(): Promise<void>;
}
