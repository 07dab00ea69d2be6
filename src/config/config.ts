/**
 * The mediator's configuration: one typed, frozen object. The settings, their
 * defaults, flags and environment variables are listed once, in schema.ts;
 * load.ts merges a config file, the environment and flags into it. This file
 * builds a configuration from overrides (tests, benchmarks, the loader) and
 * validates it, reporting every invalid field at once.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import type { SlotPolicy } from '../storage/types.js';
import { checkChatServerAddressSpec } from '../upstream/address-map.js';
import { DEFAULT_CONFIG, LOG_LEVELS, REDIS_MODES, type MediatorConfig, type SettingKey } from './schema.js';

export {
    ADMIN_PORT_DEFAULT,
    adminListenPort,
    DEFAULT_CONFIG,
    SETTINGS,
    type MediatorConfig,
    type SettingKey,
} from './schema.js';

export type ConfigOverrides = Partial<Omit<MediatorConfig, 'policy'>> & { readonly policy?: Partial<SlotPolicy> };

/** Merges overrides into the defaults and validates the result; throws ConfigError listing every problem. */
export function buildConfig(overrides: ConfigOverrides = {}): MediatorConfig {
    const config = mergeConfig(overrides);
    validateConfig(config);
    return config;
}

/** Merges overrides (undefined values ignored) into the defaults, without validating. */
export function mergeConfig(overrides: ConfigOverrides): MediatorConfig {
    const defined = <T extends object>(values: T): Partial<T> =>
        Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
    const { policy, ...top } = overrides;
    return Object.freeze({
        ...DEFAULT_CONFIG,
        ...defined(top),
        policy: Object.freeze({ ...DEFAULT_CONFIG.policy, ...defined(policy ?? {}) }),
    });
}

/** Throws ConfigError listing every problem of `config`. */
export function validateConfig(config: MediatorConfig): void {
    const problems = configProblems(config);
    if (problems.length > 0) throw new ConfigError(problems.map((problem) => problem.text));
}

export interface ConfigProblem {
    /** The setting at fault (the first one, when several are involved). */
    readonly key: SettingKey | undefined;
    readonly text: string;
}

const NODE_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/u;
const ADMIN_TOKEN_MIN_LENGTH = 16;

/** Every problem of `config`, each naming its setting. Reads the TLS and chat-server table files it names. */
export function configProblems(config: MediatorConfig): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const problem = (key: SettingKey | undefined, text: string): void => void problems.push({ key, text });
    const integer = (key: SettingKey, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): void => {
        if (value === undefined) return;
        if (!Number.isInteger(value) || value < min || value > max) {
            const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
            problem(key, `${key} must be an integer ${range}, got ${String(value)}`);
        }
    };
    const text = (key: SettingKey, value: string | undefined): void => {
        if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
            problem(key, `${key} must be a non-empty string`);
        }
    };
    text('host', config.host);
    integer('port', config.port, 0, 65535);
    if (config.nodeId !== undefined && !NODE_ID_PATTERN.test(config.nodeId)) {
        problem('nodeId', "nodeId must be 1-64 letters, digits, '.', '_' or '-'");
    }
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
        problem('transactionTtlDefaultS', 'transactionTtlDefaultS must not exceed transactionTtlMaxS');
    }
    integer('deliveryHighWaterBytes', config.deliveryHighWaterBytes, 65536);
    integer('deliveryBatchItems', config.deliveryBatchItems, 1, 100_000);
    limitProblems(config, problem, integer);
    integer('storageTimeoutMs', config.storageTimeoutMs, 100, 600_000);
    integer('sweepIntervalMs', config.sweepIntervalMs, 10);
    integer('presenceRenewIntervalMs', config.presenceRenewIntervalMs, 10);
    integer('presenceTtlMs', config.presenceTtlMs, 100);
    // The deadline (TTL minus one interval) must leave a whole interval after the next renewal is due.
    if (config.presenceTtlMs < 3 * config.presenceRenewIntervalMs) {
        problem('presenceTtlMs', 'presenceTtlMs must be at least three times presenceRenewIntervalMs');
    }
    if (config.idleTimeoutS !== 0) integer('idleTimeoutS', config.idleTimeoutS, 8, 960);
    if (config.chatServerAddress !== undefined) {
        for (const found of checkChatServerAddressSpec(config.chatServerAddress).problems) {
            problem('chatServerAddress', `chatServerAddress: ${found}`);
        }
    }
    integer('upstreamConnectTimeoutMs', config.upstreamConnectTimeoutMs, 10);
    integer('upstreamReadHighWaterBytes', config.upstreamReadHighWaterBytes, 16 * 1024);
    integer('upstreamWriteMaxBytes', config.upstreamWriteMaxBytes, 64 * 1024);
    if (!LOG_LEVELS.includes(config.logLevel)) {
        problem('logLevel', `logLevel must be one of ${LOG_LEVELS.join(', ')}, got ${String(config.logLevel)}`);
    }
    storageProblems(config, problem);
    workerProblems(config, problem);
    adminProblems(config, problem, integer, text);
    integer('drainWindowMs', config.drainWindowMs, 0, 10 * 60_000);
    tlsProblems(config, problem);
    return problems;
}

type Report = (key: SettingKey | undefined, text: string) => void;

/** Room a socket's send buffer needs above a high water: two maximum frames. */
const SEND_BUFFER_HEADROOM_BYTES = 2 * 65536;

function limitProblems(
    config: MediatorConfig,
    problem: Report,
    integer: (key: SettingKey, value: number | undefined, min: number, max?: number) => void,
): void {
    integer('maxUnauthenticatedPerIp', config.maxUnauthenticatedPerIp, 0);
    integer('maxUnauthenticated', config.maxUnauthenticated, 0);
    integer('maxConnectionsPerGroup', config.maxConnectionsPerGroup, 0);
    integer('retryAfterS', config.retryAfterS, 1, 3600);
    integer('inboundFramesPerSecond', config.inboundFramesPerSecond, 0);
    integer('inboundFrameBurst', config.inboundFrameBurst, 1);
    integer('inboundBytesPerSecond', config.inboundBytesPerSecond, 0);
    integer('inboundByteBurst', config.inboundByteBurst, 65536);
    integer('sendBufferMaxBytes', config.sendBufferMaxBytes, 0);
    const highWater = Math.max(config.deliveryHighWaterBytes, config.upstreamReadHighWaterBytes);
    if (config.sendBufferMaxBytes < highWater + SEND_BUFFER_HEADROOM_BYTES) {
        problem(
            'sendBufferMaxBytes',
            `sendBufferMaxBytes must be at least ${highWater + SEND_BUFFER_HEADROOM_BYTES} ` +
                '(the larger of deliveryHighWaterBytes and upstreamReadHighWaterBytes, plus 131072)',
        );
    }
}

/** The most worker processes `--workers` accepts. */
export const WORKERS_MAX = 256;

/** How many worker processes the configuration asks for (`auto`: one per core of `cores`). */
export function workerCount(config: Pick<MediatorConfig, 'workers'>, cores: number): number {
    return config.workers === 'auto' ? Math.max(1, Math.min(WORKERS_MAX, cores)) : Number(config.workers);
}

function workerProblems(config: MediatorConfig, problem: Report): void {
    const text = String(config.workers);
    if (text !== 'auto' && !(/^[1-9][0-9]*$/u.test(text) && Number(text) <= WORKERS_MAX)) {
        problem('workers', `workers must be auto or a whole number from 1 to ${WORKERS_MAX}, got ${text}`);
        return;
    }
    if (text !== '1' && config.redisUrl === undefined) {
        problem(
            'workers',
            `workers ${text} needs the shared backend (redisUrl and databaseUrl): the embedded backend keeps ` +
                "the devices' state inside one process, which other workers could not see",
        );
    }
}

function storageProblems(config: MediatorConfig, problem: Report): void {
    if ((config.redisUrl === undefined) !== (config.databaseUrl === undefined)) {
        problem(
            config.redisUrl === undefined ? 'databaseUrl' : 'redisUrl',
            'redisUrl and databaseUrl go together: give both (Redis + PostgreSQL) or neither (embedded)',
        );
    }
    if (!REDIS_MODES.includes(config.redisMode)) {
        problem('redisMode', `redisMode must be one of ${REDIS_MODES.join(', ')}, got ${String(config.redisMode)}`);
    }
    // In cluster mode redisUrl lists seed nodes, separated by commas.
    const redisUrls =
        config.redisMode === 'cluster' ? config.redisUrl?.split(',').map((part) => part.trim()) : [config.redisUrl];
    for (const [key, url, schemes] of [
        ...(redisUrls ?? []).map((url) => ['redisUrl', url, ['redis:', 'rediss:']] as const),
        ['databaseUrl', config.databaseUrl, ['postgres:', 'postgresql:']] as const,
    ]) {
        if (url === undefined) continue;
        let protocol: string | undefined;
        try {
            protocol = new URL(url).protocol;
        } catch {
            protocol = undefined;
        }
        if (protocol === undefined || !(schemes as readonly string[]).includes(protocol)) {
            // The URL itself is not repeated: it may carry a password.
            problem(
                key,
                `${key} must be a ${schemes.join(' or ')} URL${key === 'redisUrl' && config.redisMode === 'cluster' ? ' (or several, separated by commas)' : ''}`,
            );
        }
    }
}

function adminProblems(
    config: MediatorConfig,
    problem: Report,
    integer: (key: SettingKey, value: number | undefined, min: number, max?: number) => void,
    text: (key: SettingKey, value: string | undefined) => void,
): void {
    text('adminHost', config.adminHost);
    integer('adminPort', config.adminPort, 0, 65535);
    if (config.adminPort !== undefined && config.adminPort !== 0 && config.adminPort === config.port) {
        problem('adminPort', 'adminPort must differ from port');
    }
    const token = config.adminToken;
    if (token !== undefined && (token.length < ADMIN_TOKEN_MIN_LENGTH || /\s/u.test(token))) {
        // The token itself is never repeated.
        problem('adminToken', `adminToken must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters without spaces`);
    }
}

function tlsProblems(config: MediatorConfig, problem: Report): void {
    const { tlsCert, tlsKey } = config;
    if (tlsCert === undefined && tlsKey === undefined) return;
    if (tlsCert === undefined || tlsKey === undefined) {
        problem(tlsCert === undefined ? 'tlsKey' : 'tlsCert', 'tlsCert and tlsKey go together: give both or neither');
    }
    const read = (key: 'tlsCert' | 'tlsKey', path: string | undefined): string | undefined => {
        if (path === undefined) return undefined;
        try {
            return readFileSync(path, 'utf8');
        } catch (error) {
            const code = (error as { code?: unknown }).code;
            problem(key, `${key}: cannot read ${path} (${typeof code === 'string' ? code : 'error'})`);
            return undefined;
        }
    };
    const certPem = read('tlsCert', tlsCert);
    const keyPem = read('tlsKey', tlsKey);
    let certificate: X509Certificate | undefined;
    if (certPem !== undefined) {
        try {
            certificate = new X509Certificate(certPem);
            if (Date.parse(certificate.validTo) < Date.now()) {
                problem('tlsCert', `tlsCert: ${String(tlsCert)} expired on ${certificate.validTo}`);
            }
        } catch {
            problem('tlsCert', `tlsCert: ${String(tlsCert)} is not a PEM certificate`);
        }
    }
    if (keyPem !== undefined) {
        try {
            const key = createPrivateKey(keyPem);
            if (certificate !== undefined && !certificate.checkPrivateKey(key)) {
                problem('tlsKey', `tlsKey: ${String(tlsKey)} is not the private key of ${String(tlsCert)}`);
            }
        } catch {
            // The key file's content is never repeated.
            problem('tlsKey', `tlsKey: ${String(tlsKey)} is not an unencrypted PEM private key`);
        }
    }
}
