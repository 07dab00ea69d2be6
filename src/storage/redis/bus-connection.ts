/**
 * The connection(s) the group bus subscribes on, for a single Redis server
 * or a Redis Cluster (redis-cluster.ts).
 *
 * Subscriptions survive reconnects: node-redis sends SSUBSCRIBE again for
 * every channel with a listener before it reports the connection ready. What
 * it cannot restore are the messages published while it was away, so every
 * loss of a connection is reported (`onDown`) with a predicate telling which
 * channels it served; the coordinator turns that into `bus-interrupted`.
 */
import { closeRedis, type RedisClient } from './redis-client.js';

/** Messages arrive as the bytes published: `appended` events carry envelopes (bus-codec.ts). */
export type BusListener = (message: Buffer) => void;

/** Tells whether a channel was served by the connection that went down. */
export type ChannelFilter = (channel: string) => boolean;

export interface BusConnection {
    /** SSUBSCRIBE on the connection serving the channel's shard; resolves when Redis confirmed it. */
    subscribe(channel: string, listener: BusListener): Promise<void>;
    /** SUNSUBSCRIBE of that listener; the channel stays subscribed while it has other listeners. */
    unsubscribe(channel: string, listener: BusListener): Promise<void>;
    /** Whether a subscription to the channel can be made now (its connection is up or not yet opened). */
    isUp(channel: string): boolean;
    /** Called once per loss of a connection (error, end or reconnect), before it is back. */
    onDown(callback: (affected: ChannelFilter) => void): void;
    /** Called when a lost connection is ready again, its subscriptions restored. */
    onUp(callback: (affected: ChannelFilter) => void): void;
    close(): Promise<void>;
}

const EVERY_CHANNEL: ChannelFilter = () => true;

/** The bus on one dedicated connection to a single Redis server. */
export function standaloneBusConnection(client: RedisClient): BusConnection {
    const downCallbacks: ((affected: ChannelFilter) => void)[] = [];
    const upCallbacks: ((affected: ChannelFilter) => void)[] = [];
    let up = client.isReady;
    let closing = false;
    const lost = (): void => {
        if (!up || closing) return;
        up = false;
        for (const callback of downCallbacks) callback(EVERY_CHANNEL);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('reconnecting', lost);
    client.on('ready', () => {
        if (up) return;
        up = true;
        for (const callback of upCallbacks) callback(EVERY_CHANNEL);
    });
    return {
        subscribe: (channel, listener) => client.sSubscribe(channel, listener, true),
        unsubscribe: (channel, listener) => client.sUnsubscribe(channel, listener, true),
        isUp: () => up && client.isReady,
        onDown: (callback) => void downCallbacks.push(callback),
        onUp: (callback) => void upCallbacks.push(callback),
        close: () => {
            closing = true;
            return closeRedis(client);
        },
    };
}
