/**
 * The shape of the mediator's configuration and the one table that maps every
 * setting to its command-line flag, environment variable, unit, default and
 * description. The defaults (`DEFAULT_CONFIG`), the `mediator serve` options
 * and their help text (src/config/cli.ts), the loader (src/config/load.ts)
 * and the README's configuration table (scripts/config-table.ts) are all
 * derived from `SETTINGS`; nothing else lists settings.
 *
 * Names carry their units (`...Ms`, `...S`, `...Bytes`). The table is typed
 * so that the compiler rejects a setting of `MediatorConfig` without a row,
 * or a default of the wrong type.
 */
import type { LogLevel } from '../log/logger.js';
import type { SlotPolicy } from '../storage/types.js';

export interface MediatorConfig {
    readonly host: string;
    /** 0 picks a free port. */
    readonly port: number;
    /** With `redisMode` cluster: seed node URLs separated by commas. */
    readonly redisUrl: string | undefined;
    /** Whether `redisUrl` is one Redis server or a Redis Cluster. */
    readonly redisMode: RedisMode;
    readonly databaseUrl: string | undefined;
    /**
     * Longest any Redis or PostgreSQL call may take; a call still unanswered
     * then fails as retryable (devices are refused or closed with 1013).
     */
    readonly storageTimeoutMs: number;
    /** Names this process in presence records and logs; random when not set. */
    readonly nodeId: string | undefined;
    /** Processes that serve the WebSocket port together: a count, or `auto` for one per core. */
    readonly workers: string;
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
    /** Unauthenticated connections per remote address (IPv6: per /64) before upgrades get 429; 0: off. */
    readonly maxUnauthenticatedPerIp: number;
    /** Unauthenticated connections on this node before upgrades get 503; 0: off. */
    readonly maxUnauthenticated: number;
    /** Connections per device group on this node before upgrades get 429; 0: off. */
    readonly maxConnectionsPerGroup: number;
    /** The Retry-After (seconds) of a refused upgrade. */
    readonly retryAfterS: number;
    /** Inbound WebSocket messages per second per connection (sustained); more closes with 4010; 0: off. */
    readonly inboundFramesPerSecond: number;
    /** Inbound messages a connection may send at once above the sustained rate. */
    readonly inboundFrameBurst: number;
    /** Inbound bytes per second per connection (sustained); more closes with 4010; 0: off. */
    readonly inboundBytesPerSecond: number;
    /** Inbound bytes a connection may send at once above the sustained rate. */
    readonly inboundByteBurst: number;
    /** Bytes one socket may hold unsent (the device not reading) before it is closed. */
    readonly sendBufferMaxBytes: number;
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
    /** A connection silent this long is closed with 4013 (pinged after half of it); 0 disables it. */
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
    /** Address of the admin HTTP port (health, metrics, admin API). */
    readonly adminHost: string;
    /**
     * Port of the admin HTTP server; 0 picks a free one. Unset: the admin
     * server listens on {@link ADMIN_PORT_DEFAULT} when `adminToken` is set,
     * and not at all otherwise (see `adminListenPort`).
     */
    readonly adminPort: number | undefined;
    /** Bearer token of the admin API; the admin API is off without it (health and metrics need none). */
    readonly adminToken: string | undefined;
    /** On SIGTERM/SIGINT, the node closes its devices (1001) spread over this window. */
    readonly drainWindowMs: number;
    /** PEM certificate (chain) file; with `tlsKey` the WebSocket endpoint serves `wss://`. */
    readonly tlsCert: string | undefined;
    /** PEM private key file of `tlsCert`. */
    readonly tlsKey: string | undefined;
}

/** How the mediator talks to Redis: one server, or a Redis Cluster (Redis 7+, sharded pub/sub). */
export type RedisMode = 'standalone' | 'cluster';

export const REDIS_MODES: readonly RedisMode[] = ['standalone', 'cluster'];

/** The admin port when a token is set and no port is given. */
export const ADMIN_PORT_DEFAULT = 9090;

/** Every setting by name; policy settings are `policy.<field>`. */
export type SettingKey = Exclude<keyof MediatorConfig, 'policy'> | `policy.${keyof SlotPolicy}`;

/** The value type of one setting. */
export type SettingValue<K extends SettingKey> = K extends `policy.${infer P extends keyof SlotPolicy}`
    ? SlotPolicy[P]
    : K extends keyof MediatorConfig
      ? MediatorConfig[K]
      : never;

/** How a value is written on the command line, in the environment and in a config file. */
export type SettingType = 'integer' | 'string';

type TypeOf<V> = [Exclude<V, undefined>] extends [number] ? 'integer' : 'string';

/** What one value means; shown next to the flag in `--help` and in the README. */
export type SettingUnit =
    'address' | 'port' | 'name' | 'URL' | 'file' | 'text' | 'level' | 'token' | 'ms' | 's' | 'bytes' | 'count';

/** Headings of `mediator serve --help` and of the README table, in order. */
export const SETTING_SECTIONS = [
    'Listening',
    'Storage',
    'Slot policy',
    'Protocol',
    'Delivery',
    'Limits',
    'Cluster',
    'Chat-server proxy',
    'Operations',
] as const;

export type SettingSection = (typeof SETTING_SECTIONS)[number];

export interface Setting<V> {
    readonly section: SettingSection;
    /** The command-line flag without the leading dashes. */
    readonly flag: string;
    /** The environment variable. */
    readonly env: string;
    readonly type: TypeOf<V>;
    readonly unit: SettingUnit;
    /** Allowed values of a string setting. */
    readonly choices?: readonly string[];
    readonly default: V;
    /** Shown instead of the default when the value alone does not say it (unset, random). */
    readonly defaultText?: string;
    /** Hidden in logs of the effective configuration. */
    readonly secret?: boolean;
    readonly description: string;
}

export type SettingsTable = { readonly [K in SettingKey]: Setting<SettingValue<K>> };

/** A row of the table when its key is not known statically. */
export type AnySetting = Omit<Setting<unknown>, 'type'> & { readonly type: SettingType };

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const DAY_MS = 24 * 60 * MINUTE_MS;
const KIB = 1024;
const MIB = 1024 * KIB;

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** The environment variable naming a JSON config file (same as `--config`). */
export const CONFIG_FILE_ENV = 'MEDIATOR_CONFIG';

export const SETTINGS: SettingsTable = {
    host: {
        section: 'Listening',
        flag: 'host',
        env: 'MEDIATOR_HOST',
        type: 'string',
        unit: 'address',
        default: '127.0.0.1',
        description: 'address the WebSocket endpoint listens on (0.0.0.0: every interface)',
    },
    port: {
        section: 'Listening',
        flag: 'port',
        env: 'MEDIATOR_PORT',
        type: 'integer',
        unit: 'port',
        default: 8080,
        description: 'WebSocket port; 0 picks a free one, printed on the first line of output',
    },
    nodeId: {
        section: 'Listening',
        flag: 'node-id',
        env: 'MEDIATOR_NODE_ID',
        type: 'string',
        unit: 'name',
        default: undefined,
        defaultText: 'random',
        description:
            "this node's name in presence records, connection ids and logs (letters, digits, '.', '_', '-'); " +
            'connection ids also carry a random name of each process run, so a restart under the same name never reuses one; ' +
            'one live process per name: a second one waits up to a presence TTL, then exits 1',
    },
    workers: {
        section: 'Listening',
        flag: 'workers',
        env: 'MEDIATOR_WORKERS',
        type: 'string',
        unit: 'count',
        default: '1',
        description:
            'processes that serve the WebSocket port together (SO_REUSEPORT), each a node named <node id>-w<n>; ' +
            'auto: one per core; more than 1 needs --redis-url and --database-url',
    },
    tlsCert: {
        section: 'Listening',
        flag: 'tls-cert',
        env: 'MEDIATOR_TLS_CERT',
        type: 'string',
        unit: 'file',
        default: undefined,
        defaultText: 'none (ws://)',
        description: 'PEM certificate chain; with --tls-key the endpoint serves wss:// itself',
    },
    tlsKey: {
        section: 'Listening',
        flag: 'tls-key',
        env: 'MEDIATOR_TLS_KEY',
        type: 'string',
        unit: 'file',
        default: undefined,
        defaultText: 'none',
        description: 'PEM private key (not encrypted) of --tls-cert',
    },
    idleTimeoutS: {
        section: 'Listening',
        flag: 'idle-timeout-s',
        env: 'MEDIATOR_IDLE_TIMEOUT_S',
        type: 'integer',
        unit: 's',
        default: 120,
        description:
            'a connection that sends nothing (not even a pong) this long is closed with 4013; pinged after half of it; 8-960, 0: never',
    },
    redisUrl: {
        section: 'Storage',
        flag: 'redis-url',
        env: 'REDIS_URL',
        type: 'string',
        unit: 'URL',
        default: undefined,
        defaultText: 'none (embedded)',
        secret: true,
        description:
            'Redis (redis: or rediss:) for queues, locks, leader, presence and the cross-node bus; with --database-url. ' +
            'With --redis-mode cluster: seed node URLs separated by commas',
    },
    redisMode: {
        section: 'Storage',
        flag: 'redis-mode',
        env: 'MEDIATOR_REDIS_MODE',
        type: 'string',
        unit: 'text',
        choices: REDIS_MODES,
        default: 'standalone',
        description:
            'whether --redis-url is one Redis server or the seed nodes of a Redis Cluster (Redis 7 or later; ' +
            'docs/configuration.md)',
    },
    databaseUrl: {
        section: 'Storage',
        flag: 'database-url',
        env: 'DATABASE_URL',
        type: 'string',
        unit: 'URL',
        default: undefined,
        defaultText: 'none (embedded)',
        secret: true,
        description:
            'PostgreSQL (postgres: or postgresql:) for device groups, slots, shared data, policies, tombstones; with --redis-url',
    },
    storageTimeoutMs: {
        section: 'Storage',
        flag: 'storage-timeout-ms',
        env: 'MEDIATOR_STORAGE_TIMEOUT_MS',
        type: 'integer',
        unit: 'ms',
        default: 5 * SECOND_MS,
        description:
            'longest a Redis command or PostgreSQL query may stay unanswered before it fails (devices then get 1013); 100-600000',
    },
    'policy.maxDeviceSlots': {
        section: 'Slot policy',
        flag: 'max-device-slots',
        env: 'MEDIATOR_MAX_DEVICE_SLOTS',
        type: 'integer',
        unit: 'count',
        default: 6,
        description: 'device slots per device group (1-1000)',
    },
    'policy.queueMaxCount': {
        section: 'Slot policy',
        flag: 'queue-max-count',
        env: 'MEDIATOR_QUEUE_MAX_COUNT',
        type: 'integer',
        unit: 'count',
        default: 100_000,
        description: 'reflections queued per slot beyond which the slot is dropped (4114)',
    },
    'policy.queueMaxBytes': {
        section: 'Slot policy',
        flag: 'queue-max-bytes',
        env: 'MEDIATOR_QUEUE_MAX_BYTES',
        type: 'integer',
        unit: 'bytes',
        default: 256 * MIB,
        description: 'envelope bytes queued per slot beyond which the slot is dropped (4114); at least 65536',
    },
    'policy.volatileGraceMs': {
        section: 'Slot policy',
        flag: 'volatile-grace-ms',
        env: 'MEDIATOR_VOLATILE_GRACE_MS',
        type: 'integer',
        unit: 'ms',
        default: 10 * MINUTE_MS,
        description: 'how long a volatile slot outlives the disconnect of its device',
    },
    'policy.persistentExpiryMs': {
        section: 'Slot policy',
        flag: 'persistent-expiry-ms',
        env: 'MEDIATOR_PERSISTENT_EXPIRY_MS',
        type: 'integer',
        unit: 'ms',
        default: 90 * DAY_MS,
        description: 'how long a persistent slot survives without a login',
    },
    'policy.tombstoneTtlMs': {
        section: 'Slot policy',
        flag: 'tombstone-ttl-ms',
        env: 'MEDIATOR_TOMBSTONE_TTL_MS',
        type: 'integer',
        unit: 'ms',
        default: 90 * DAY_MS,
        description: 'how long a slot dropped for queue overflow keeps refusing logins with 4114',
    },
    handshakeTimeoutMs: {
        section: 'Protocol',
        flag: 'handshake-timeout-ms',
        env: 'MEDIATOR_HANDSHAKE_TIMEOUT_MS',
        type: 'integer',
        unit: 'ms',
        default: 10 * SECOND_MS,
        description: 'time from connect to a valid ClientHello, else close 4010 (at least 100)',
    },
    proxyPreAuthBufferBytes: {
        section: 'Protocol',
        flag: 'proxy-pre-auth-buffer-bytes',
        env: 'MEDIATOR_PROXY_PRE_AUTH_BUFFER_BYTES',
        type: 'integer',
        unit: 'bytes',
        default: 64 * KIB,
        description: 'Proxy bytes buffered before authentication; more closes the connection with 4010',
    },
    transactionTtlDefaultS: {
        section: 'Protocol',
        flag: 'transaction-ttl-default-s',
        env: 'MEDIATOR_TRANSACTION_TTL_DEFAULT_S',
        type: 'integer',
        unit: 's',
        default: 30,
        description: 'transaction lock TTL when BeginTransaction asks for 0',
    },
    transactionTtlMaxS: {
        section: 'Protocol',
        flag: 'transaction-ttl-max-s',
        env: 'MEDIATOR_TRANSACTION_TTL_MAX_S',
        type: 'integer',
        unit: 's',
        default: 120,
        description: 'longest transaction lock TTL a device may ask for (longer requests are capped)',
    },
    deliveryHighWaterBytes: {
        section: 'Delivery',
        flag: 'delivery-high-water-bytes',
        env: 'MEDIATOR_DELIVERY_HIGH_WATER_BYTES',
        type: 'integer',
        unit: 'bytes',
        default: 512 * KIB,
        description: 'stop sending queued reflections while a socket buffers more than this (at least 65536)',
    },
    deliveryBatchItems: {
        section: 'Delivery',
        flag: 'delivery-batch-items',
        env: 'MEDIATOR_DELIVERY_BATCH_ITEMS',
        type: 'integer',
        unit: 'count',
        default: 256,
        description: 'reflections read from storage per batch (1-100000)',
    },
    maxUnauthenticatedPerIp: {
        section: 'Limits',
        flag: 'max-unauthenticated-per-ip',
        env: 'MEDIATOR_MAX_UNAUTHENTICATED_PER_IP',
        type: 'integer',
        unit: 'count',
        default: 1024,
        description:
            'connections not yet authenticated per remote address (IPv6: per /64); more upgrades get 429; 0: off',
    },
    maxUnauthenticated: {
        section: 'Limits',
        flag: 'max-unauthenticated',
        env: 'MEDIATOR_MAX_UNAUTHENTICATED',
        type: 'integer',
        unit: 'count',
        default: 10_000,
        description: 'connections not yet authenticated on this node; more upgrades get 503; 0: off',
    },
    maxConnectionsPerGroup: {
        section: 'Limits',
        flag: 'max-connections-per-group',
        env: 'MEDIATOR_MAX_CONNECTIONS_PER_GROUP',
        type: 'integer',
        unit: 'count',
        default: 64,
        description: 'connections per device group on this node, authenticated or not; more upgrades get 429; 0: off',
    },
    retryAfterS: {
        section: 'Limits',
        flag: 'retry-after-s',
        env: 'MEDIATOR_RETRY_AFTER_S',
        type: 'integer',
        unit: 's',
        default: 5,
        description: 'Retry-After of an upgrade refused with 429 or 503 (1-3600)',
    },
    inboundFramesPerSecond: {
        section: 'Limits',
        flag: 'inbound-frames-per-second',
        env: 'MEDIATOR_INBOUND_FRAMES_PER_SECOND',
        type: 'integer',
        unit: 'count',
        default: 10_000,
        description: 'WebSocket messages per second a connection may send, sustained; more closes it with 4010; 0: off',
    },
    inboundFrameBurst: {
        section: 'Limits',
        flag: 'inbound-frame-burst',
        env: 'MEDIATOR_INBOUND_FRAME_BURST',
        type: 'integer',
        unit: 'count',
        default: 100_000,
        description: 'messages a connection may send at once above --inbound-frames-per-second (at least 1)',
    },
    inboundBytesPerSecond: {
        section: 'Limits',
        flag: 'inbound-bytes-per-second',
        env: 'MEDIATOR_INBOUND_BYTES_PER_SECOND',
        type: 'integer',
        unit: 'bytes',
        default: 8 * MIB,
        description: 'bytes per second a connection may send, sustained; more closes it with 4010; 0: off',
    },
    inboundByteBurst: {
        section: 'Limits',
        flag: 'inbound-byte-burst',
        env: 'MEDIATOR_INBOUND_BYTE_BURST',
        type: 'integer',
        unit: 'bytes',
        default: 64 * MIB,
        description: 'bytes a connection may send at once above --inbound-bytes-per-second (at least 65536)',
    },
    sendBufferMaxBytes: {
        section: 'Limits',
        flag: 'send-buffer-max-bytes',
        env: 'MEDIATOR_SEND_BUFFER_MAX_BYTES',
        type: 'integer',
        unit: 'bytes',
        default: 4 * MIB,
        description:
            'bytes a socket may hold unsent (its device not reading) before it is closed; at least the delivery and upstream high waters + 128 KiB',
    },
    sweepIntervalMs: {
        section: 'Cluster',
        flag: 'sweep-interval-ms',
        env: 'MEDIATOR_SWEEP_INTERVAL_MS',
        type: 'integer',
        unit: 'ms',
        default: MINUTE_MS,
        description: 'how often expired slots and tombstones are swept',
    },
    presenceTtlMs: {
        section: 'Cluster',
        flag: 'presence-ttl-ms',
        env: 'MEDIATOR_PRESENCE_TTL_MS',
        type: 'integer',
        unit: 'ms',
        default: 30 * SECOND_MS,
        description:
            "how long a dead node's devices keep their presence, leader roles and locks (at least three times the renew interval)",
    },
    presenceRenewIntervalMs: {
        section: 'Cluster',
        flag: 'presence-renew-interval-ms',
        env: 'MEDIATOR_PRESENCE_RENEW_INTERVAL_MS',
        type: 'integer',
        unit: 'ms',
        default: 10 * SECOND_MS,
        description: "how often a node renews its devices' presence and ends abandoned locks",
    },
    chatServerAddress: {
        section: 'Chat-server proxy',
        flag: 'chat-server-address',
        env: 'MEDIATOR_CHAT_SERVER_ADDRESS',
        type: 'string',
        unit: 'text',
        default: undefined,
        defaultText: 'none (Proxy frames close with 4001)',
        description:
            'chat server per server group: a template host:port whose host may contain {serverGroup}, ' +
            'or file:<path> of a JSON table {"<serverGroup>": "host:port", "*": "host:port"}',
    },
    upstreamConnectTimeoutMs: {
        section: 'Chat-server proxy',
        flag: 'upstream-connect-timeout-ms',
        env: 'MEDIATOR_UPSTREAM_CONNECT_TIMEOUT_MS',
        type: 'integer',
        unit: 'ms',
        default: 10 * SECOND_MS,
        description: 'chat-server connect timeout; past it the device is closed with 4001',
    },
    upstreamReadHighWaterBytes: {
        section: 'Chat-server proxy',
        flag: 'upstream-read-high-water-bytes',
        env: 'MEDIATOR_UPSTREAM_READ_HIGH_WATER_BYTES',
        type: 'integer',
        unit: 'bytes',
        default: 256 * KIB,
        description: "stop reading from a device's chat server while its WebSocket buffers more than this",
    },
    upstreamWriteMaxBytes: {
        section: 'Chat-server proxy',
        flag: 'upstream-write-max-bytes',
        env: 'MEDIATOR_UPSTREAM_WRITE_MAX_BYTES',
        type: 'integer',
        unit: 'bytes',
        default: MIB,
        description: "bytes queued toward a device's chat server beyond which the device is closed with 4009",
    },
    adminHost: {
        section: 'Operations',
        flag: 'admin-host',
        env: 'MEDIATOR_ADMIN_HOST',
        type: 'string',
        unit: 'address',
        default: '127.0.0.1',
        description: 'address of the admin HTTP port (/livez, /readyz, /metrics, admin API)',
    },
    adminPort: {
        section: 'Operations',
        flag: 'admin-port',
        env: 'MEDIATOR_ADMIN_PORT',
        type: 'integer',
        unit: 'port',
        default: undefined,
        defaultText: `${ADMIN_PORT_DEFAULT} with --admin-token, else off`,
        description: 'admin HTTP port; giving it turns on health and metrics even without a token; 0 picks a free one',
    },
    adminToken: {
        section: 'Operations',
        flag: 'admin-token',
        env: 'MEDIATOR_ADMIN_TOKEN',
        type: 'string',
        unit: 'token',
        default: undefined,
        defaultText: 'none (admin API off)',
        secret: true,
        description: 'bearer token of the admin API (at least 16 characters); health and metrics need none',
    },
    drainWindowMs: {
        section: 'Operations',
        flag: 'drain-window-ms',
        env: 'MEDIATOR_DRAIN_WINDOW_MS',
        type: 'integer',
        unit: 'ms',
        default: 10 * SECOND_MS,
        description: 'on SIGTERM or SIGINT, devices are closed with 1001 spread over this window',
    },
    logLevel: {
        section: 'Operations',
        flag: 'log-level',
        env: 'MEDIATOR_LOG_LEVEL',
        type: 'string',
        unit: 'level',
        choices: LOG_LEVELS,
        default: 'info',
        description: 'how much to log, as JSON lines on stderr',
    },
};

/** Every setting with its key, in table order. */
export function settingEntries(): readonly (readonly [SettingKey, AnySetting])[] {
    return Object.entries(SETTINGS) as unknown as readonly (readonly [SettingKey, AnySetting])[];
}

/** The row of one setting. */
export function settingOf(key: SettingKey): AnySetting {
    return SETTINGS[key];
}

/** The defaults as one frozen configuration. */
function defaultsFromTable(): MediatorConfig {
    const top: Record<string, unknown> = {};
    const policy: Record<string, unknown> = {};
    for (const [key, setting] of settingEntries()) {
        if (key.startsWith('policy.')) policy[key.slice('policy.'.length)] = setting.default;
        else top[key] = setting.default;
    }
    // Complete and well-typed: SettingsTable has one row of the right type per setting.
    return Object.freeze({ ...top, policy: Object.freeze(policy) }) as unknown as MediatorConfig;
}

export const DEFAULT_CONFIG: MediatorConfig = defaultsFromTable();

/** Reads one setting of a configuration by key. */
export function settingValue(config: MediatorConfig, key: SettingKey): unknown {
    if (key.startsWith('policy.')) return config.policy[key.slice('policy.'.length) as keyof SlotPolicy];
    return config[key as Exclude<SettingKey, `policy.${string}`>];
}

/** The port the admin HTTP server listens on, or undefined when it stays off. */
export function adminListenPort(config: MediatorConfig): number | undefined {
    if (config.adminPort !== undefined) return config.adminPort;
    return config.adminToken !== undefined ? ADMIN_PORT_DEFAULT : undefined;
}

const UNIT_STEPS: Readonly<Record<'ms' | 's' | 'bytes', readonly (readonly [number, string])[]>> = {
    ms: [
        [DAY_MS, 'd'],
        [60 * MINUTE_MS, 'h'],
        [MINUTE_MS, 'min'],
        [SECOND_MS, 's'],
    ],
    s: [
        [86_400, 'd'],
        [3600, 'h'],
        [60, 'min'],
    ],
    bytes: [
        [MIB, 'MiB'],
        [KIB, 'KiB'],
    ],
};

/** A default as shown to people: `600000 (10 min)`, `262144 (256 KiB)`, `random`. */
export function describeDefault(setting: AnySetting): string {
    if (setting.defaultText !== undefined) return setting.defaultText;
    const value = setting.default;
    if (typeof value !== 'number') return String(value);
    const steps = UNIT_STEPS[setting.unit as keyof typeof UNIT_STEPS] as
        readonly (readonly [number, string])[] | undefined;
    const step = steps?.find(([size]) => value >= size && value % size === 0);
    return step === undefined ? String(value) : `${value} (${value / step[0]} ${step[1]})`;
}
