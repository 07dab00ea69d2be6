/**
 * How the CLI reads and writes values on the command line and in its
 * output: device ids (decimal or 0x-prefixed hex in, 16-digit 0x hex out),
 * transaction scopes and device platforms by kebab-case name, timestamps as
 * ISO 8601.
 */
import { ensureDeviceId, isU64, type DeviceId } from '../../d2m/index.js';
import { DevicePlatform, TransactionScope } from '../../d2d/index.js';
import { usageError } from './errors.js';

const DECIMAL_RE = /^[0-9]+$/u;
const HEX_RE = /^0[xX][0-9a-fA-F]{1,16}$/u;

/** Parses a device id given as decimal (`42`) or 0x-prefixed hex (`0x2a`); throws a usage error otherwise. */
export function parseDeviceId(text: string, what = 'device id'): DeviceId {
    const trimmed = text.trim();
    if (!DECIMAL_RE.test(trimmed) && !HEX_RE.test(trimmed)) {
        throw usageError(`${what} must be decimal (42) or 0x-prefixed hex (0x000000000000002a)`);
    }
    const value = BigInt(trimmed);
    if (!isU64(value)) throw usageError(`${what} must be at most 2^64 - 1`);
    return ensureDeviceId(value);
}

/** `0x` and 16 lowercase hex digits: what `parseDeviceId` reads back. */
export function formatDeviceId(id: bigint): string {
    return `0x${id.toString(16).padStart(16, '0')}`;
}

export const SCOPE_NAMES = {
    'user-profile-sync': TransactionScope.USER_PROFILE_SYNC,
    'contact-sync': TransactionScope.CONTACT_SYNC,
    'group-sync': TransactionScope.GROUP_SYNC,
    'distribution-list-sync': TransactionScope.DISTRIBUTION_LIST_SYNC,
    'settings-sync': TransactionScope.SETTINGS_SYNC,
    'mdm-parameter-sync': TransactionScope.MDM_PARAMETER_SYNC,
    'new-device-sync': TransactionScope.NEW_DEVICE_SYNC,
} as const satisfies Readonly<Record<string, TransactionScope>>;

export type ScopeName = keyof typeof SCOPE_NAMES;

export function parseScope(name: string): TransactionScope {
    const scope = (SCOPE_NAMES as Readonly<Record<string, TransactionScope>>)[name];
    if (scope === undefined) throw usageError(`--scope must be one of ${Object.keys(SCOPE_NAMES).join(', ')}`);
    return scope;
}

/** The kebab-case name of a scope, or `unreadable scope` when it could not be decrypted. */
export function scopeName(scope: TransactionScope | undefined): string {
    if (scope === undefined) return 'unreadable scope';
    const entry = Object.entries(SCOPE_NAMES).find(([, value]) => value === scope);
    return entry?.[0] ?? `scope ${String(scope)}`;
}

export const PLATFORM_NAMES = {
    unspecified: DevicePlatform.UNSPECIFIED,
    android: DevicePlatform.ANDROID,
    ios: DevicePlatform.IOS,
    desktop: DevicePlatform.DESKTOP,
    web: DevicePlatform.WEB,
} as const satisfies Readonly<Record<string, DevicePlatform>>;

export function parsePlatform(name: string): DevicePlatform {
    const platform = (PLATFORM_NAMES as Readonly<Record<string, DevicePlatform>>)[name];
    if (platform === undefined) throw usageError(`--platform must be one of ${Object.keys(PLATFORM_NAMES).join(', ')}`);
    return platform;
}

export function platformName(platform: DevicePlatform): string {
    const entry = Object.entries(PLATFORM_NAMES).find(([, value]) => value === platform);
    return entry?.[0] ?? 'unspecified';
}

/** A Unix millisecond timestamp as ISO 8601 (UTC). */
export function formatTimestamp(ms: number): string {
    return new Date(ms).toISOString();
}
