/**
 * The login decision of the embedded device-group store, as a pure function
 * over the group's current slots and effective policy: expired slots,
 * expected state, slot limit and DROP_LEAST_RECENT eviction. The store runs
 * it inside one synchronous call and writes the outcome; the tombstone check
 * comes before it. PostgreSQL makes the same decision in SQL, in the
 * `login_slot` function (postgres/migrations/0002_login_slot_function.sql);
 * the contract suite holds both to the same answers.
 */
import { DeviceSlotsExhaustedPolicy, DeviceSlotState, type DeviceId } from '../../d2m/index.js';
import type { LoginSlotRequest, LoginSlotResult } from './device-group-store.js';
import { isSlotExpired, type DeviceSlot, type SlotPolicy } from './types.js';

/** The moment of a slot's latest activity: login or disconnect, whichever came last. */
export function lastActivity(slot: DeviceSlot): number {
    return Math.max(slot.lastLoginAt, slot.lastDisconnectAt ?? 0);
}

function compareDeviceIds(a: DeviceId, b: DeviceId): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/** Eviction order for DROP_LEAST_RECENT: offline first, then oldest activity, then oldest creation. */
function evictionOrder(online: ReadonlySet<DeviceId>): (a: DeviceSlot, b: DeviceSlot) => number {
    return (a, b) =>
        Number(online.has(a.deviceId)) - Number(online.has(b.deviceId)) ||
        lastActivity(a) - lastActivity(b) ||
        a.createdAt - b.createdAt ||
        compareDeviceIds(a.deviceId, b.deviceId);
}

export type LoginDecision =
    /** The decision depends on who is online, which the caller did not give: nothing may be written. */
    | { readonly refusal: 'presence-needed' }
    /** Refused: nothing may be written. */
    | { readonly refusal: Exclude<LoginSlotResult, { readonly status: 'ok' }> }
    | {
          readonly refusal: undefined;
          readonly slotState: DeviceSlotState;
          /** The device's own live slot, when it has one (keep its creation time). */
          readonly own: DeviceSlot | undefined;
          readonly expired: DeviceId[];
          readonly evicted: DeviceId[];
      };

/**
 * `online`: the devices online now, or undefined when not read yet; then a
 * decision that depends on them (a slot other than the device's own that
 * would be expired if offline, or an eviction) answers `presence-needed`.
 */
export function decideLogin(
    request: LoginSlotRequest,
    policy: SlotPolicy,
    slots: Iterable<DeviceSlot>,
    online: ReadonlySet<DeviceId> | undefined,
): LoginDecision {
    const { deviceId, now } = request;
    const expired: DeviceId[] = [];
    const live: DeviceSlot[] = [];
    for (const slot of slots) {
        if (isSlotExpired(slot, policy, online?.has(slot.deviceId) === true, now)) {
            if (online === undefined && slot.deviceId !== deviceId) return { refusal: 'presence-needed' };
            expired.push(slot.deviceId);
        } else {
            live.push(slot);
        }
    }
    const own = live.find((slot) => slot.deviceId === deviceId);
    const slotState = own === undefined ? DeviceSlotState.NEW : DeviceSlotState.EXISTING;
    if (request.expectedState !== undefined && request.expectedState !== slotState) {
        return { refusal: { status: 'slot-state-mismatch', actual: slotState } };
    }
    let evicted: DeviceId[] = [];
    if (own === undefined && live.length >= policy.maxDeviceSlots) {
        if (request.exhaustedPolicy !== DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT || policy.maxDeviceSlots < 1) {
            return { refusal: { status: 'device-limit-reached' } };
        }
        if (online === undefined) return { refusal: 'presence-needed' };
        live.sort(evictionOrder(online));
        evicted = live.slice(0, live.length - policy.maxDeviceSlots + 1).map((slot) => slot.deviceId);
    }
    return { refusal: undefined, slotState, own, expired, evicted };
}
