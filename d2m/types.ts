/**
 * Branded domain types. A value of one of these types has been checked by
 * its `ensureX()` guard, which is the only way to make one.
 */
import { isU64 } from './bytes.js';
import { D2mProtocolError } from './errors.js';

declare const BRAND: unique symbol;
type Brand<T, B extends string> = T & { readonly [BRAND]: B };

/** D2M device id: a u64 naming a device slot within its group. */
export type DeviceId = Brand<bigint, 'DeviceId'>;

/** Device group id: the 32-byte public key of the device group path key (DGPK). */
export type DeviceGroupId = Brand<Uint8Array, 'DeviceGroupId'>;

/** Chat-server group, matching `^[0-9a-zA-Z]+$`. */
export type ServerGroup = Brand<string, 'ServerGroup'>;

/** A 32-byte X25519 public key. */
export type PublicKey = Brand<Uint8Array, 'PublicKey'>;

/** A 32-byte X25519 secret key. */
export type SecretKey = Brand<Uint8Array, 'SecretKey'>;

/** A 32-byte symmetric (secretbox) key. */
export type SymmetricKey = Brand<Uint8Array, 'SymmetricKey'>;

export const KEY_BYTE_LENGTH = 32;
export const NONCE_BYTE_LENGTH = 24;
export const MAC_BYTE_LENGTH = 16;
export const DEVICE_GROUP_ID_BYTE_LENGTH = 32;

const SERVER_GROUP_RE = /^[0-9a-zA-Z]+$/u;

function invalid(message: string): D2mProtocolError {
    return new D2mProtocolError('invalid-field', message);
}

export function isDeviceId(value: bigint): value is DeviceId {
    return isU64(value);
}

export function ensureDeviceId(value: bigint): DeviceId {
    if (!isDeviceId(value)) throw invalid('device id is not a u64');
    return value;
}

export function ensureDeviceGroupId(bytes: Uint8Array): DeviceGroupId {
    if (bytes.byteLength !== DEVICE_GROUP_ID_BYTE_LENGTH) {
        throw invalid(`device group id must be ${DEVICE_GROUP_ID_BYTE_LENGTH} bytes, got ${bytes.byteLength}`);
    }
    return bytes as DeviceGroupId;
}

export function isServerGroup(value: string): value is ServerGroup {
    return SERVER_GROUP_RE.test(value);
}

export function ensureServerGroup(value: string): ServerGroup {
    if (!isServerGroup(value)) throw invalid('server group must match ^[0-9a-zA-Z]+$');
    return value;
}

function ensure32(bytes: Uint8Array, what: string): Uint8Array {
    if (bytes.byteLength !== KEY_BYTE_LENGTH) {
        throw new D2mProtocolError(
            'invalid-field',
            `${what} must be ${KEY_BYTE_LENGTH} bytes, got ${bytes.byteLength}`,
        );
    }
    return bytes;
}

export function ensurePublicKey(bytes: Uint8Array): PublicKey {
    return ensure32(bytes, 'public key') as PublicKey;
}

export function ensureSecretKey(bytes: Uint8Array): SecretKey {
    return ensure32(bytes, 'secret key') as SecretKey;
}

export function ensureSymmetricKey(bytes: Uint8Array): SymmetricKey {
    return ensure32(bytes, 'symmetric key') as SymmetricKey;
}

/** Shortened, log-safe rendering of a device id (hex, 16 digits). */
export function deviceIdToHex(id: DeviceId): string {
    return id.toString(16).padStart(16, '0');
}
