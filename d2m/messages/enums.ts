/**
 * Protocol enums, with the same wire values in both revisions.
 */

/** How long a device slot is kept after its device disconnects. */
export enum DeviceSlotExpirationPolicy {
    /** Removed a grace period after the device disconnects. */
    VOLATILE = 0,
    /** Kept until a long time without a login has passed. */
    PERSISTENT = 1,
}

/** Whether the login created the device slot (NEW) or reused it (EXISTING). */
export enum DeviceSlotState {
    NEW = 0,
    EXISTING = 1,
}

/** What to do when a new slot is needed and all slots are in use. */
export enum DeviceSlotsExhaustedPolicy {
    /** Close the new connection with 4111. */
    REJECT = 0,
    /** Drop the least recently used slot (offline ones first), then allocate. */
    DROP_LEAST_RECENT = 1,
}

/** D2M protocol versions. */
export enum ProtocolVersion {
    INITIAL = 0,
}

export const DEVICE_SLOT_EXPIRATION_POLICIES = [
    DeviceSlotExpirationPolicy.VOLATILE,
    DeviceSlotExpirationPolicy.PERSISTENT,
] as const;
export const DEVICE_SLOT_STATES = [DeviceSlotState.NEW, DeviceSlotState.EXISTING] as const;
export const DEVICE_SLOTS_EXHAUSTED_POLICIES = [
    DeviceSlotsExhaustedPolicy.REJECT,
    DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT,
] as const;

/** The highest (and only) protocol version this implementation speaks. */
export const PROTOCOL_VERSION_MAX = ProtocolVersion.INITIAL;
