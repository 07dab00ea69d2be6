/**
 * The mediator's configuration: one typed, frozen object. Defaults live in
 * one table whose names carry their units; `validateConfig` reports every
 * invalid field at once.
 */
import { ConfigError } from '../errors.js';
import { checkChatServerAddressSpec } from '../upstream/address-map.js';
import type { SlotPolicy } from '../storage/types.js';
import type { LogLevel } from '../log/logger.js';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const MIB = 1024 * 1024;

export interface MediatorConfig {
    readonly host: string;
    /** 0 picks a free port. */
    readonly port: number;
    readonly redisUrl: string | undefined;
    readonly databaseUrl: string | undefined;
    /** Names this process in presence records and logs; random when not set. */
    readonly nodeId: string | undefined;
    readonly logLevel: LogLevel;
    readonly handshakeTimeoutMs: number;
    /** Proxy bytes buffered before authentication; more closes the connection with 4010. */
    readonly proxyPreAuthBufferBytes: number;
    /** Global slot policy; operators override it per device group. */
    readonly policy: SlotPolicy;
    readonly transactionTtlDefaultS: number;
    readonly transactionTtlMaxS: number;
    /** Stop sending queued reflections while the socket buffers more than this. */
    readonly deliveryHighWaterBytes: number;
    /** Reflections read from storage per batch. */
    readonly deliveryBatchItems: number;
    /** How often expired slots are swept. */
    readonly sweepIntervalMs: number;
    /**
     * How long a device's presence (and so its leader role) outlives its node
     * without renewal: a node that dies loses its devices' leader roles and
     * locks within this time plus one renewal interval.
     */
    readonly presenceTtlMs: number;
    /** How often a node renews its devices' presence and tidies its groups (expired locks, dead leaders). */
    readonly presenceRenewIntervalMs: number;
    /** WebSocket idle timeout (the server pings idle connections). */
    readonly idleTimeoutS: number;
    /**
     * Where the chat servers are (docs/chat-server-proxy.md): a template
     * `host:port` whose host may contain `{serverGroup}`, or `file:<path>` of
     * a JSON table `{ "<serverGroup>": "host:port", "*": "host:port" }`.
     * Unset: no chat-server proxy; a device that sends Proxy frames after
     * authentication is closed with 4001.
     */
    readonly chatServerAddress: string | undefined;
    /** A chat server not connected within this time counts as unreachable (4001). */
    readonly upstreamConnectTimeoutMs: number;
    /** Reading from a device's chat server pauses while its WebSocket buffers more than this (resumes at half). */
    readonly upstreamReadHighWaterBytes: number;
    /**
     * Bytes queued toward one device's chat server (not yet taken by its
     * socket) beyond which the device is closed with 4009.
     */
    readonly upstreamWriteMaxBytes: number;
}

export const DEFAULT_CONFIG: MediatorConfig = Object.freeze({
    host: '127.0.0.1',
    port: 8080,
    redisUrl: undefined,
    databaseUrl: undefined,
    nodeId: undefined,
    logLevel: 'info',
    handshakeTimeoutMs: 10_000,
    proxyPreAuthBufferBytes: 64 * 1024,
    policy: Object.freeze({
        maxDeviceSlots: 6,
        queueMaxCount: 100_000,
        queueMaxBytes: 256 * MIB,
        volatileGraceMs: 10 * MINUTE_MS,
        persistentExpiryMs: 90 * DAY_MS,
        tombstoneTtlMs: 90 * DAY_MS,
    }),
    transactionTtlDefaultS: 30,
    transactionTtlMaxS: 120,
    deliveryHighWaterBytes: 512 * 1024,
    deliveryBatchItems: 256,
    sweepIntervalMs: MINUTE_MS,
    presenceTtlMs: 30_000,
    presenceRenewIntervalMs: 10_000,
    idleTimeoutS: 120,
    chatServerAddress: undefined,
    upstreamConnectTimeoutMs: 10_000,
    upstreamReadHighWaterBytes: 256 * 1024,
    upstreamWriteMaxBytes: MIB,
} satisfies MediatorConfig);

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

type Overrides = Partial<Omit<MediatorConfig, 'policy'>> & { readonly policy?: Partial<SlotPolicy> };

/** Merges overrides into the defaults and validates the result; throws ConfigError listing every problem. */
export function buildConfig(overrides: Overrides = {}): MediatorConfig {
    const config: MediatorConfig = {
        ...DEFAULT_CONFIG,
        ...Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)),
        policy: { ...DEFAULT_CONFIG.policy, ...overrides.policy },
    };
    validateConfig(config);
    return Object.freeze(config);
}

export function validateConfig(config: MediatorConfig): void {
    const problems: string[] = [];
    const integer = (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void => {
        if (!Number.isInteger(value) || value < min || value > max) {
            problems.push(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
        }
    };
    integer('port', config.port, 0, 65535);
    integer('handshakeTimeoutMs', config.handshakeTimeoutMs, 100);
    integer('proxyPreAuthBufferBytes', config.proxyPreAuthBufferBytes, 0);
    integer('policy.maxDeviceSlots', config.policy.maxDeviceSlots, 1, 1000);
    integer('policy.queueMaxCount', config.policy.queueMaxCount, 1);
    integer('policy.queueMaxBytes', config.policy.queueMaxBytes, 65536);
    integer('policy.volatileGraceMs', config.policy.volatileGraceMs, 0);
    integer('policy.persistentExpiryMs', config.policy.persistentExpiryMs, 0);
    integer('policy.tombstoneTtlMs', config.policy.tombstoneTtlMs, 0);
    integer('transactionTtlDefaultS', config.transactionTtlDefaultS, 1);
    integer('transactionTtlMaxS', config.transactionTtlMaxS, 1);
    if (config.transactionTtlDefaultS > config.transactionTtlMaxS) {
        problems.push('transactionTtlDefaultS must not exceed transactionTtlMaxS');
    }
    integer('deliveryHighWaterBytes', config.deliveryHighWaterBytes, 65536);
    integer('deliveryBatchItems', config.deliveryBatchItems, 1, 100_000);
    integer('sweepIntervalMs', config.sweepIntervalMs, 10);
    integer('presenceRenewIntervalMs', config.presenceRenewIntervalMs, 10);
    integer('presenceTtlMs', config.presenceTtlMs, 100);
    if (config.presenceTtlMs < 2 * config.presenceRenewIntervalMs) {
        problems.push('presenceTtlMs must be at least twice presenceRenewIntervalMs');
    }
    if (config.idleTimeoutS !== 0) integer('idleTimeoutS', config.idleTimeoutS, 8, 960);
    if (config.chatServerAddress !== undefined) {
        for (const problem of checkChatServerAddressSpec(config.chatServerAddress).problems) {
            problems.push(`chatServerAddress: ${problem}`);
        }
    }
    integer('upstreamConnectTimeoutMs', config.upstreamConnectTimeoutMs, 10);
    integer('upstreamReadHighWaterBytes', config.upstreamReadHighWaterBytes, 16 * 1024);
    integer('upstreamWriteMaxBytes', config.upstreamWriteMaxBytes, 64 * 1024);
    if (!LOG_LEVELS.includes(config.logLevel)) problems.push(`logLevel must be one of ${LOG_LEVELS.join(', ')}`);
    if ((config.redisUrl === undefined) !== (config.databaseUrl === undefined)) {
        problems.push('redisUrl and databaseUrl go together: give both (Redis + PostgreSQL) or neither (embedded)');
    }
    for (const [name, url, schemes] of [
        ['redisUrl', config.redisUrl, ['redis:', 'rediss:']],
        ['databaseUrl', config.databaseUrl, ['postgres:', 'postgresql:']],
    ] as const) {
        if (url === undefined) continue;
        let protocol: string | undefined;
        try {
            protocol = new URL(url).protocol;
        } catch {
            protocol = undefined;
        }
        if (protocol === undefined || !(schemes as readonly string[]).includes(protocol)) {
            problems.push(`${name} must be a ${schemes.join(' or ')} URL`);
        }
    }
    if (problems.length > 0) throw new ConfigError(problems);
}
