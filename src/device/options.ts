/**
 * Options of `DeviceClient.connect()`, their defaults, and validation into
 * the resolved form the client runs with. Validation reports problems as
 * {@link DeviceClientError} (`invalid-options`) and never echoes key
 * material.
 */
import {
    buildClientUrl,
    D2mError,
    DeviceSlotExpirationPolicy,
    DeviceSlotsExhaustedPolicy,
    ensureDeviceId,
    ensureServerGroup,
    type CryptoBackend,
    type DeviceId,
    type DeviceSlotState,
    type ProtocolRevision,
} from '../../d2m/index.js';
import { deriveDeviceGroupKeys, DevicePlatform, type DeviceGroupKeys, type DeviceInfo } from '../../d2d/index.js';
import { sodiumCryptoBackend } from '../crypto/index.js';
import { DeviceClientError } from './errors.js';

/** Time allowed from opening the socket until ServerInfo arrives. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Outbound bytes buffered in the socket above which the client holds further frames back. */
export const SEND_HIGH_WATER_MARK_BYTES = 512 * 1024;
/** Held-back frames are released once the socket's buffer is below this. */
export const SEND_LOW_WATER_MARK_BYTES = 128 * 1024;
/** How often a held-back outbox checks the socket's buffer. */
export const SEND_POLL_INTERVAL_MS = 20;
/** After this client closes, how long it waits for the closing handshake before dropping the socket. */
export const CLOSE_GRACE_MS = 2_000;

/** The crypto backend used when the options name none: X25519 from node:crypto, NaCl boxes from tweetnacl. */
export const DEFAULT_CRYPTO: CryptoBackend = sodiumCryptoBackend;

export interface DeviceClientOptions {
    /** Base URL of the mediator (`ws:` or `wss:`); the hex ClientUrlInfo is appended as the last path segment. */
    readonly url: string;
    /** The 32-byte device group key. Give this or `keys`. */
    readonly deviceGroupKey?: Uint8Array;
    /** Keys already derived from the device group key. Give this or `deviceGroupKey`. */
    readonly keys?: DeviceGroupKeys;
    /** The chat-server group (`^[0-9a-zA-Z]+$`; a hex number of at most 8 digits for the seed revision). */
    readonly serverGroup: string;
    /** This device's D2M device id (a u64). */
    readonly deviceId: bigint;
    /** Default: REJECT. */
    readonly deviceSlotsExhaustedPolicy?: DeviceSlotsExhaustedPolicy;
    /** Default: PERSISTENT. */
    readonly deviceSlotExpirationPolicy?: DeviceSlotExpirationPolicy;
    /**
     * ClientHello field 7. `undefined` (the default) leaves the field off the
     * wire; the seed revision never sends it.
     */
    readonly expectedDeviceSlotState?: DeviceSlotState | undefined;
    /** Encrypted into ClientHello. Default: an unspecified platform labelled as this SDK. */
    readonly deviceInfo?: DeviceInfo;
    /**
     * `current` (default): server group as a string (ClientUrlInfo field 3),
     * field 7 when given, Reflect flags. `seed`: server group as a uint32
     * (field 2), no field 7, Reflect flags always zero (no ephemeral reflections).
     */
    readonly protocolRevision?: ProtocolRevision;
    /** Acknowledge every non-ephemeral Reflected after its listeners ran (default true). */
    readonly autoAckReflected?: boolean;
    /** Default: {@link DEFAULT_CRYPTO} (the libsodium backend). */
    readonly crypto?: CryptoBackend;
    /** Default: {@link HANDSHAKE_TIMEOUT_MS}. */
    readonly handshakeTimeoutMs?: number;
    /**
     * Bytes sent in a Proxy frame as soon as the socket opens, before the
     * D2M handshake (as real clients do with their chat-server client hello).
     */
    readonly sendProxyBeforeHandshake?: Uint8Array;
    /** TLS settings of a `wss:` connection (default: the system's trusted CAs, certificates verified). */
    readonly tls?: DeviceTlsOptions;
}

/** How a `wss:` connection checks the mediator's certificate. */
export interface DeviceTlsOptions {
    /** PEM certificates to trust instead of the system's CAs (a private CA, a self-signed test certificate). */
    readonly ca?: string | readonly string[];
    /** `false` accepts any certificate: for development only. Default true. */
    readonly rejectUnauthorized?: boolean;
}

/** The options after validation and defaulting. */
export interface ResolvedOptions {
    readonly url: string;
    readonly keys: DeviceGroupKeys;
    readonly deviceId: DeviceId;
    readonly deviceSlotsExhaustedPolicy: DeviceSlotsExhaustedPolicy;
    readonly deviceSlotExpirationPolicy: DeviceSlotExpirationPolicy;
    readonly expectedDeviceSlotState: DeviceSlotState | undefined;
    readonly deviceInfo: DeviceInfo;
    readonly protocolRevision: ProtocolRevision;
    readonly autoAckReflected: boolean;
    readonly crypto: CryptoBackend;
    readonly handshakeTimeoutMs: number;
    readonly sendProxyBeforeHandshake: Uint8Array | undefined;
    readonly tls: DeviceTlsOptions | undefined;
}

export const DEFAULT_DEVICE_INFO: DeviceInfo = Object.freeze({
    platform: DevicePlatform.UNSPECIFIED,
    platformDetails: 'Node.js',
    appVersion: '0.1.0',
    label: 'd2m-mediator device client',
});

function invalid(message: string, cause?: unknown): DeviceClientError {
    return new DeviceClientError('invalid-options', message, { cause });
}

function resolveKeys(options: DeviceClientOptions, crypto: CryptoBackend): DeviceGroupKeys {
    if (options.keys !== undefined && options.deviceGroupKey !== undefined) {
        throw invalid('give either deviceGroupKey or keys, not both');
    }
    if (options.keys !== undefined) return options.keys;
    if (options.deviceGroupKey === undefined) throw invalid('deviceGroupKey or keys is required');
    if (options.deviceGroupKey.byteLength !== 32) throw invalid('deviceGroupKey must be 32 bytes');
    return deriveDeviceGroupKeys(crypto, options.deviceGroupKey);
}

function resolveUrl(options: DeviceClientOptions, keys: DeviceGroupKeys, revision: ProtocolRevision): string {
    let base: URL;
    try {
        base = new URL(options.url);
    } catch (error) {
        throw invalid('url is not a valid URL', error);
    }
    if (base.protocol !== 'ws:' && base.protocol !== 'wss:') throw invalid('url must use ws: or wss:');
    if (base.search !== '' || base.hash !== '') throw invalid('url must have no query and no fragment');
    try {
        const serverGroup = ensureServerGroup(options.serverGroup);
        return buildClientUrl(base.href, { deviceGroupId: keys.deviceGroupId, serverGroup }, revision);
    } catch (error) {
        if (error instanceof D2mError) throw invalid(`serverGroup: ${error.message}`, error);
        throw error;
    }
}

function resolveDeviceId(value: bigint): DeviceId {
    try {
        return ensureDeviceId(value);
    } catch (error) {
        throw invalid('deviceId must be a u64', error);
    }
}

/** Validates options and fills in defaults. Throws {@link DeviceClientError} (`invalid-options`). */
export function resolveOptions(options: DeviceClientOptions): ResolvedOptions {
    const crypto = options.crypto ?? DEFAULT_CRYPTO;
    const protocolRevision = options.protocolRevision ?? 'current';
    if (protocolRevision !== 'current' && protocolRevision !== 'seed') {
        throw invalid("protocolRevision must be 'current' or 'seed'");
    }
    const handshakeTimeoutMs = options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    if (!Number.isFinite(handshakeTimeoutMs) || handshakeTimeoutMs <= 0) {
        throw invalid('handshakeTimeoutMs must be a positive number');
    }
    const keys = resolveKeys(options, crypto);
    return {
        url: resolveUrl(options, keys, protocolRevision),
        keys,
        deviceId: resolveDeviceId(options.deviceId),
        deviceSlotsExhaustedPolicy: options.deviceSlotsExhaustedPolicy ?? DeviceSlotsExhaustedPolicy.REJECT,
        deviceSlotExpirationPolicy: options.deviceSlotExpirationPolicy ?? DeviceSlotExpirationPolicy.PERSISTENT,
        expectedDeviceSlotState: protocolRevision === 'seed' ? undefined : options.expectedDeviceSlotState,
        deviceInfo: options.deviceInfo ?? DEFAULT_DEVICE_INFO,
        protocolRevision,
        autoAckReflected: options.autoAckReflected ?? true,
        crypto,
        handshakeTimeoutMs,
        sendProxyBeforeHandshake: options.sendProxyBeforeHandshake,
        tls: options.tls,
    };
}
