/**
 * Redis Cluster connections of the redis+postgres backend.
 *
 * Every key of a device group carries the group's hash tag (keys.ts), so each
 * command and each Lua script touches exactly one slot and is routed to the
 * master owning it by its first key; `clusterCommander` refuses a command
 * whose keys span slots before it is sent. Node connections behave like the
 * single-server ones (redis-client.ts): RESP2, no offline queue, reconnecting
 * in the background, and a first connect that fails fast.
 *
 * The bus uses a second cluster object that connects only where it has to:
 * one subscriber connection per master owning a subscribed channel (sharded
 * pub/sub), opened by node-redis on the first SSUBSCRIBE of that shard.
 */
import { createCluster, RESP_TYPES, type RedisArgument } from 'redis';
import { StorageError } from '../../errors.js';
import type { BusConnection, ChannelFilter } from './bus-connection.js';
import { commandKeys, commonSlot, keySlot } from './key-slot.js';
import {
    closeWithin,
    COMMAND_OPTIONS,
    CONNECT_TIMEOUT_MS,
    reconnectStrategy,
    redactUrl,
    replyText,
    toStorageError,
    type RedisCommander,
} from './redis-client.js';

export interface RedisClusterConnectionOptions {
    /** Seed nodes; the rest of the cluster is discovered from them. */
    readonly urls: readonly string[];
    /** Connection-level errors of any node (each node connection reconnects by itself). */
    readonly onError?: (error: unknown) => void;
    /** Shown in CLIENT LIST on every node. */
    readonly name?: string;
    /** Connect to a node only when a command or subscription needs it (the bus connection). */
    readonly minimizeConnections?: boolean;
}

export type RedisClusterClient = ReturnType<typeof newCluster>;

/** How node-redis names a node in its node events. */
interface NodeInfo {
    readonly host: string;
    readonly port: number;
}

/** `redis://a:6379,redis://b:6379` → the seed URLs (whitespace around commas allowed). */
export function parseSeedUrls(text: string): string[] {
    return text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '');
}

function nodeDefaults(urls: readonly string[], name: string | undefined, isConnected: () => boolean) {
    // Discovered nodes are addressed by host and port only; credentials and TLS come from the first seed.
    const first = new URL(urls[0] ?? '');
    const socket = { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: reconnectStrategy(isConnected) };
    return {
        name,
        disableOfflineQueue: true,
        commandOptions: COMMAND_OPTIONS,
        username: first.username === '' ? undefined : decodeURIComponent(first.username),
        password: first.password === '' ? undefined : decodeURIComponent(first.password),
        socket: first.protocol === 'rediss:' ? { ...socket, tls: true as const } : socket,
    };
}

function newCluster(options: RedisClusterConnectionOptions, isConnected: () => boolean) {
    const cluster = createCluster({
        rootNodes: options.urls.map((url) => ({ url })),
        defaults: nodeDefaults(options.urls, options.name, isConnected),
        // RESP2 keeps replies plain arrays (HGETALL included) whatever the server version.
        RESP: 2,
        minimizeConnections: options.minimizeConnections === true,
    });
    cluster.on('error', (error: unknown) => options.onError?.(error));
    cluster.on('node-error', (error: unknown) => options.onError?.(error));
    return cluster;
}

/** Connects to the cluster: discovers the slot map and (unless minimized) connects to every master. */
export async function connectRedisCluster(options: RedisClusterConnectionOptions): Promise<RedisClusterClient> {
    if (options.urls.length === 0) {
        throw new StorageError('no Redis Cluster seed URL given', { retryable: false });
    }
    let connected = false;
    const cluster = newCluster(options, () => connected);
    try {
        await cluster.connect();
    } catch (error) {
        cluster.destroy();
        throw toStorageError(`connecting to the Redis Cluster at ${options.urls.map(redactUrl).join(',')}`, error);
    }
    connected = true;
    return cluster;
}

/** Closes the cluster's connections, waiting (bounded) for pending replies; never rejects. */
export async function closeRedisCluster(cluster: RedisClusterClient): Promise<void> {
    if (!cluster.isOpen) return;
    await closeWithin(
        () => cluster.close(),
        () => cluster.destroy(),
    );
}

/**
 * Routes each command to the master of its first key's slot, with bulk
 * strings decoded as Buffers. A command the storage does not know, or whose
 * keys span slots, is refused without being sent.
 */
export function clusterCommander(cluster: RedisClusterClient): RedisCommander {
    const buffers = cluster.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    return {
        sendCommand(args: readonly RedisArgument[]): Promise<unknown> {
            const keys = commandKeys(args);
            const name = String(args[0]);
            if (keys === undefined) {
                return Promise.reject(
                    new StorageError(`${name} is not routable in a Redis Cluster`, { retryable: false }),
                );
            }
            if (commonSlot(keys) === 'cross-slot') {
                return Promise.reject(
                    new StorageError(`${name} would touch keys of several cluster slots`, { retryable: false }),
                );
            }
            return buffers.sendCommand(keys[0], false, [...args]);
        },
    };
}

/** One commander per master (for SCRIPT LOAD, which every master needs). */
export async function masterCommanders(cluster: RedisClusterClient): Promise<RedisCommander[]> {
    const clients = await Promise.all(cluster.masters.map((master) => cluster.nodeClient(master)));
    return clients.map((client) => ({ sendCommand: (args) => client.sendCommand([...args]) }));
}

/** Longest a health probe may take (a connection to a master being opened could otherwise wait for it). */
const PROBE_TIMEOUT_MS = 5_000;

/** Health: every master answers PING, and the cluster reports `cluster_state:ok`. */
export async function probeCluster(cluster: RedisClusterClient): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
    });
    try {
        await Promise.race([probeMasters(cluster), deadline]);
    } finally {
        clearTimeout(timer);
    }
}

async function probeMasters(cluster: RedisClusterClient): Promise<void> {
    const masters = cluster.masters;
    if (masters.length === 0) throw new Error('no Redis Cluster master known');
    const clients = await Promise.all(masters.map((master) => cluster.nodeClient(master)));
    await Promise.all(clients.map((client) => client.sendCommand(['PING'])));
    const info = replyText(await clients[0]?.sendCommand(['CLUSTER', 'INFO']), 'CLUSTER INFO');
    if (!/^cluster_state:ok\r?$/mu.test(info)) throw new Error('the Redis Cluster is not in state ok');
}

/**
 * The bus on a cluster object of its own (`minimizeConnections`): one
 * subscriber connection per master, which node-redis opens on the first
 * SSUBSCRIBE to a channel of that shard. Its node events concern only these
 * connections, so a lost connection interrupts exactly the channels of its
 * master. `commands`, the command cluster (connected to every master), tells
 * whether a master without a subscriber connection yet is reachable.
 */
export function clusterBusConnection(cluster: RedisClusterClient, commands?: RedisClusterClient): BusConnection {
    const downCallbacks: ((affected: ChannelFilter) => void)[] = [];
    const upCallbacks: ((affected: ChannelFilter) => void)[] = [];
    const down = new Set<string>();
    let closing = false;
    const masterOf = (channel: string): string | undefined => {
        try {
            return cluster.getSlotMaster(keySlot(channel)).address;
        } catch {
            return undefined;
        }
    };
    const servedBy =
        (address: string): ChannelFilter =>
        (channel) => {
            const master = masterOf(channel);
            return master === undefined || master === address;
        };
    const lost = (node: NodeInfo): void => {
        const address = `${node.host}:${node.port}`;
        if (closing || down.has(address)) return;
        down.add(address);
        for (const callback of downCallbacks) callback(servedBy(address));
    };
    cluster.on('node-error', (_error: unknown, node: NodeInfo) => lost(node));
    cluster.on('node-reconnecting', lost);
    // A connection that ends for good (node-redis also ends the connection of a shard left without
    // subscriptions) interrupts what it served, but is no reason to refuse a new connection there.
    cluster.on('node-disconnect', (node: NodeInfo) => {
        const address = `${node.host}:${node.port}`;
        if (closing || down.has(address)) return;
        for (const callback of downCallbacks) callback(servedBy(address));
    });
    cluster.on('node-ready', (node: NodeInfo) => {
        const address = `${node.host}:${node.port}`;
        if (!down.delete(address)) return;
        for (const callback of upCallbacks) callback(servedBy(address));
    });
    return {
        subscribe: (channel, listener) => cluster.sSubscribe(channel, listener, true),
        unsubscribe: (channel, listener) => cluster.sUnsubscribe(channel, listener, true),
        isUp(channel) {
            if (!cluster.isReady) return false;
            let master;
            try {
                master = cluster.getSlotMaster(keySlot(channel));
            } catch {
                return false;
            }
            const pubSub = master.pubSub;
            if (pubSub === undefined) {
                // No connection yet: the subscription would open one, waiting while the master is down.
                const client = commands?.getSlotMaster(keySlot(channel)).client;
                return client === undefined || client.isReady;
            }
            if (pubSub.connectPromise !== undefined) return !down.has(master.address);
            return pubSub.client.isReady;
        },
        onDown: (callback) => void downCallbacks.push(callback),
        onUp: (callback) => void upCallbacks.push(callback),
        close: () => {
            closing = true;
            return closeRedisCluster(cluster);
        },
    };
}
