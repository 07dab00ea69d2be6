/**
 * Redis connections of the redis+postgres backend, the one mapping from
 * Redis failures to `StorageError`, and helpers that read untyped replies.
 *
 * Connections reject commands while disconnected (no offline queue), so a
 * Redis outage surfaces as a retryable `StorageError` at once instead of
 * commands piling up; the client keeps reconnecting in the background. The
 * first connect fails fast, so a wrong URL stops start-up. node-redis's own
 * per-command timeout (an AbortSignal timer for every command) is turned
 * off: a connected Redis that stops answering is caught by the backend's
 * CommandWatchdog (command-watchdog.ts), one timer for all commands.
 */
import {
    ClientClosedError,
    ClientOfflineError,
    ConnectionTimeoutError,
    createClient,
    DisconnectsClientError,
    ErrorReply,
    MaxCommandRedirectionsError,
    ReconnectStrategyError,
    RESP_TYPES,
    RootNodesUnavailableError,
    SocketClosedUnexpectedlyError,
    SocketTimeoutError,
    TimeoutError,
    type RedisArgument,
} from 'redis';
import type { DeviceId } from '../../../d2m/index.js';
import { StorageError } from '../../errors.js';
import { parseDeviceId } from './bus-codec.js';

/**
 * What the queue, coordinator and script runner need from a command
 * connection: one Redis server's, or a cluster's, which routes each command
 * by its first key (redis-cluster.ts).
 */
export interface RedisCommander {
    sendCommand(args: readonly RedisArgument[]): Promise<unknown>;
}

export type RedisClient = ReturnType<typeof newClient>;

export interface RedisConnectionOptions {
    readonly url: string;
    /** Connection-level errors (the client reconnects by itself). */
    readonly onError?: (error: unknown) => void;
    /** Shown in CLIENT LIST. */
    readonly name?: string;
}

/** How long one connection attempt may take (single server and cluster nodes alike). */
export const CONNECT_TIMEOUT_MS = 5_000;

/** Options of every command connection: no per-command timer (0 turns node-redis's default 5 s off). */
export const COMMAND_OPTIONS = { timeout: 0 } as const;
const RECONNECT_MAX_DELAY_MS = 2_000;
const INITIAL_CONNECT_ATTEMPTS = 3;

/**
 * The reconnect strategy of every Redis connection: exponential back-off up
 * to 2 s, forever once the connection has been up (`wasUp`), but giving up
 * after a few attempts at the first connect so a wrong URL stops start-up.
 */
export function reconnectStrategy(wasUp: () => boolean): (retries: number, cause: Error) => number | Error {
    return (retries, cause) => {
        if (!wasUp() && retries >= INITIAL_CONNECT_ATTEMPTS) return cause;
        return Math.min(50 * 2 ** retries, RECONNECT_MAX_DELAY_MS);
    };
}

/** Error replies after which the same command may well succeed later. */
const RETRYABLE_REPLY = /^(OOM|BUSY|LOADING|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|NOREPLICAS|READONLY|MOVED|ASK)\b/u;

function newClient(options: RedisConnectionOptions) {
    let ready = false;
    const client = createClient({
        url: options.url,
        name: options.name,
        // RESP2 keeps replies plain arrays (HGETALL included) whatever the server version.
        RESP: 2,
        disableOfflineQueue: true,
        commandOptions: COMMAND_OPTIONS,
        socket: {
            connectTimeout: CONNECT_TIMEOUT_MS,
            reconnectStrategy: reconnectStrategy(() => ready),
        },
    });
    client.on('error', (error: unknown) => options.onError?.(error));
    client.on('ready', () => {
        ready = true;
    });
    return client;
}

export async function connectRedis(options: RedisConnectionOptions): Promise<RedisClient> {
    const client = newClient(options);
    try {
        await client.connect();
    } catch (error) {
        client.destroy();
        throw toStorageError(`connecting to Redis at ${redactUrl(options.url)}`, error);
    }
    return client;
}

/** The same connection with bulk strings decoded as Buffers (envelopes are bytes). */
export function bufferCommander(client: RedisClient): RedisCommander {
    return client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

/** How long a close waits for pending replies before it drops the connection. */
export const CLOSE_TIMEOUT_MS = 5_000;

/**
 * Closes gracefully, waiting for pending replies, but at most `CLOSE_TIMEOUT_MS`
 * (a Redis that stops answering would otherwise hold shutdown forever); then
 * `destroy`. Never rejects.
 */
export async function closeWithin(close: () => Promise<unknown>, destroy: () => void): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('close timed out')), CLOSE_TIMEOUT_MS);
    });
    try {
        await Promise.race([close(), late]);
    } catch {
        destroy();
    } finally {
        clearTimeout(timer);
    }
}

/** Closes a connection, waiting (bounded) for pending replies when it is up; never rejects. */
export async function closeRedis(client: RedisClient): Promise<void> {
    if (!client.isOpen) return;
    await closeWithin(
        () => client.close(),
        () => client.destroy(),
    );
}

/** Failures of the connection rather than of the command. */
const CONNECTION_ERRORS = [
    ClientClosedError,
    ClientOfflineError,
    ConnectionTimeoutError,
    DisconnectsClientError,
    MaxCommandRedirectionsError,
    ReconnectStrategyError,
    RootNodesUnavailableError,
    SocketClosedUnexpectedlyError,
    SocketTimeoutError,
    TimeoutError,
];

function isConnectionError(error: unknown): boolean {
    if (CONNECTION_ERRORS.some((type) => error instanceof type)) return true;
    // Socket errors from Node (ECONNREFUSED, ECONNRESET, ...).
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === 'string' && code.startsWith('E');
}

/**
 * Connection problems and transient server states are retryable; other error
 * replies and unexpected replies are not (a bug or bad data).
 */
export function toStorageError(what: string, error: unknown): StorageError {
    if (error instanceof StorageError) return error;
    const message = error instanceof Error ? error.message : String(error);
    const retryable = error instanceof ErrorReply ? RETRYABLE_REPLY.test(message) : isConnectionError(error);
    return new StorageError(`${what} failed: ${message}`, { cause: error, retryable });
}

/** Runs one Redis call, turning any failure into a `StorageError`. */
export async function redisCall<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (error) {
        throw toStorageError(what, error);
    }
}

export function redactUrl(url: string): string {
    return url.replace(/\/\/[^@/]*@/u, '//***@');
}

// ---- reading replies ----

function corrupt(what: string): StorageError {
    return new StorageError(`unexpected Redis reply: ${what}`, { retryable: false });
}

export function replyArray(value: unknown, what: string): unknown[] {
    if (!Array.isArray(value)) throw corrupt(`${what} is not an array`);
    return value;
}

export function replyInteger(value: unknown, what: string): number {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    if (typeof value === 'string' || Buffer.isBuffer(value)) {
        const text = value.toString();
        if (/^-?\d+$/u.test(text)) {
            const parsed = Number(text);
            if (Number.isSafeInteger(parsed)) return parsed;
        }
    }
    throw corrupt(`${what} is not an integer`);
}

export function replyText(value: unknown, what: string): string {
    if (typeof value === 'string') return value;
    if (Buffer.isBuffer(value)) return value.toString('utf8');
    throw corrupt(`${what} is not a string`);
}

/** A copy as a plain Uint8Array (callers may keep it). */
export function replyBytes(value: unknown, what: string): Uint8Array {
    if (Buffer.isBuffer(value)) return new Uint8Array(value);
    if (typeof value === 'string') return new Uint8Array(Buffer.from(value, 'utf8'));
    throw corrupt(`${what} is not bytes`);
}

export function replyDeviceId(value: unknown, what: string): DeviceId {
    const text = replyText(value, what);
    try {
        return parseDeviceId(text);
    } catch {
        throw corrupt(`${what} is not a device id`);
    }
}

/** `null` (a missing hash field) or a string. */
export function replyOptionalText(value: unknown, what: string): string | undefined {
    return value === null || value === undefined ? undefined : replyText(value, what);
}

/** A non-negative safe integer as a script argument (Unix ms, flags); anything else is a caller bug. */
export function integerArg(value: number, what: string): string {
    if (!Number.isSafeInteger(value) || value < 0) {
        throw new StorageError(`${what} must be a non-negative integer, got ${value}`, { retryable: false });
    }
    return String(value);
}

/** A view of the bytes as a Buffer, without copying. */
export function bufferOf(bytes: Uint8Array): Buffer {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
