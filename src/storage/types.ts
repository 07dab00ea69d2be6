/**
 * Domain types shared by the storage contracts and the mediator core.
 */
import { randomBytes } from 'node:crypto';
import { DeviceSlotExpirationPolicy, type DeviceId } from '../../d2m/index.js';

declare const GROUP_ID_BRAND: unique symbol;

/**
 * A device group as storage knows it: the lowercase hex of the 32-byte device
 * group id (64 characters). Used in keys and maps; logs show only a prefix.
 */
export type GroupId = string & { readonly [GROUP_ID_BRAND]: true };

export function groupIdFromBytes(deviceGroupId: Uint8Array): GroupId {
    // Node's hex encoder: one flat string (a map key on every lookup), not one built up byte by byte.
    return Buffer.from(deviceGroupId.buffer, deviceGroupId.byteOffset, deviceGroupId.byteLength).toString(
        'hex',
    ) as GroupId;
}

export function ensureGroupId(value: string): GroupId {
    if (!/^[0-9a-f]{64}$/u.test(value)) throw new TypeError('a group id is 64 lowercase hex characters');
    return value as GroupId;
}

/** Log-safe rendering of a group id (or of text given as one): the first 8 hex characters. */
export function shortGroupId(groupId: GroupId | string): string {
    return groupId.slice(0, 8);
}

/** Log-safe rendering of a device id: 16 lowercase hex digits. */
export function deviceIdHex(deviceId: DeviceId): string {
    return deviceId.toString(16).padStart(16, '0');
}

/**
 * Identifies one WebSocket connection across all nodes and restarts:
 * `<nodeId>/<incarnation>.<counter>` (see `connectionIdOf`).
 */
export type ConnectionId = string;

/**
 * A random name for one run of a node process (8 hex digits), drawn at
 * start. Connection ids carry it, so a node restarted under the same
 * `--node-id`, or a second live process with that id, never reuses a
 * connection id whose presence, kick, lock or promotion is still around.
 */
export function newIncarnation(): string {
    return randomBytes(4).toString('hex');
}

/** The id of the `counter`-th connection of this node incarnation. */
export function connectionIdOf(nodeId: NodeId, incarnation: string, counter: number): ConnectionId {
    return `${nodeId}/${incarnation}.${counter.toString(36)}`;
}

/** Identifies one mediator process. */
export type NodeId = string;

/** The limits that apply to one device group: global defaults, overridden per group by operators. */
export interface SlotPolicy {
    readonly maxDeviceSlots: number;
    /** Reflections queued per slot before the slot is dropped (4114). */
    readonly queueMaxCount: number;
    /** Envelope bytes queued per slot before the slot is dropped (4114). */
    readonly queueMaxBytes: number;
    /** How long a volatile slot survives its device's disconnect. */
    readonly volatileGraceMs: number;
    /** How long a persistent slot survives without a login. */
    readonly persistentExpiryMs: number;
    /** How long a tombstone (slot dropped by queue overflow) keeps refusing logins with 4114. */
    readonly tombstoneTtlMs: number;
}

/** Per-group overrides; absent fields fall back to the global defaults. */
export type SlotPolicyOverride = Partial<SlotPolicy>;

/** What storage keeps of one device slot. */
export interface DeviceSlot {
    readonly deviceId: DeviceId;
    readonly expirationPolicy: DeviceSlotExpirationPolicy;
    /** Encrypted d2d.DeviceInfo from the latest ClientHello; opaque. */
    readonly encryptedDeviceInfo: Uint8Array;
    /** Unix ms. */
    readonly createdAt: number;
    /** Unix ms of the latest successful login. */
    readonly lastLoginAt: number;
    /** Unix ms of the latest disconnect; undefined while the first connection lasts. */
    readonly lastDisconnectAt: number | undefined;
}

/** Whether a slot has expired by its policy at `now` (it must then be treated as absent). */
export function isSlotExpired(
    slot: Pick<DeviceSlot, 'expirationPolicy' | 'lastLoginAt' | 'lastDisconnectAt'>,
    policy: Pick<SlotPolicy, 'volatileGraceMs' | 'persistentExpiryMs'>,
    online: boolean,
    now: number,
): boolean {
    if (online) return false;
    if (slot.expirationPolicy === DeviceSlotExpirationPolicy.VOLATILE) {
        const since = slot.lastDisconnectAt ?? slot.lastLoginAt;
        return now - since >= policy.volatileGraceMs;
    }
    return now - slot.lastLoginAt >= policy.persistentExpiryMs;
}
