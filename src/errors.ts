/**
 * The server's error taxonomy, and the one mapping from errors to WebSocket
 * close codes. Only the session boundary (src/session/) turns errors into
 * closes, through `closeCodeForError`.
 *
 * Every error the server raises on purpose is a {@link MediatorError} with
 * a stable `code` (listed in {@link SERVER_ERROR_CODES} and in
 * docs/protocol.md). What a peer gets wrong in the protocol is the protocol
 * library's `D2mProtocolError` (d2m/), which is not a MediatorError.
 */
import { CloseCode, D2mProtocolError } from '../d2m/index.js';

/** Stable codes of the server's errors. */
export const SERVER_ERROR_CODES = [
    /** The challenge response did not verify (4010). */
    'authentication-failed',
    /** A store failed (1013 when a later attempt may succeed, else 1011). */
    'storage-failed',
    /** The configuration is invalid (exit code 2 at start-up). */
    'invalid-config',
    /** A decision of the mediator that ends a connection with a specific close code. */
    'session-closed',
    /** A step under the transaction lock came after that lock had ended elsewhere (1013). */
    'lock-lost',
    /** A device's step came after its connection's presence had ended or been replaced (1013). */
    'presence-lost',
] as const;

export type ServerErrorCode = (typeof SERVER_ERROR_CODES)[number];

/** Base class of every error the mediator server raises on purpose. */
export class MediatorError extends Error {
    public readonly code: ServerErrorCode;

    public constructor(code: ServerErrorCode, message: string, options?: { readonly cause?: unknown }) {
        super(message, options);
        this.code = code;
        this.name = new.target.name;
    }
}

/** The challenge response did not verify. */
export class AuthenticationError extends MediatorError {
    public constructor(message = 'challenge response did not verify', options?: { readonly cause?: unknown }) {
        super('authentication-failed', message, options);
    }
}

/**
 * Redis, PostgreSQL or another store failed. `retryable`, stated by every
 * throw: a later attempt may succeed (1013), or not (1011).
 */
export class StorageError extends MediatorError {
    public readonly retryable: boolean;

    public constructor(message: string, options: { readonly cause?: unknown; readonly retryable: boolean }) {
        super('storage-failed', message, options);
        this.retryable = options.retryable;
    }
}

/**
 * A step a device wanted to take under its transaction lock was refused
 * because that lock is no longer the group's current one (it expired, was
 * ended elsewhere, or another device holds the lock now): a Reflect inside
 * the transaction or its CommitTransaction. Nothing was stored or
 * acknowledged; the connection closes with 1013 and the device retries
 * its transaction on a new connection.
 */
export class LockLostError extends MediatorError {
    public constructor(message = 'the transaction lock is no longer held', options?: { readonly cause?: unknown }) {
        super('lock-lost', message, options);
    }
}

/**
 * A Reflect was refused because the sending connection is no longer the
 * slot's current, unexpired presence: its node missed a renewal (a stall, a
 * partition from Redis) and another node may already act on its absence, or
 * the device has logged in again elsewhere. Nothing was stored or
 * acknowledged; the connection closes with 1013 and the device sends the
 * reflection again on its current connection, after everything it sent
 * there, so per-sender order holds.
 */
export class PresenceLostError extends MediatorError {
    public constructor(message = 'the connection is no longer present', options?: { readonly cause?: unknown }) {
        super('presence-lost', message, options);
    }
}

/** Invalid configuration; `problems` lists every invalid field at once. */
export class ConfigError extends MediatorError {
    public readonly problems: readonly string[];

    public constructor(problems: readonly string[]) {
        super('invalid-config', `invalid configuration:\n  - ${problems.join('\n  - ')}`);
        this.problems = problems;
    }
}

/**
 * A decision of the mediator that ends a connection with a specific close
 * code (4111 device limit, 4115 slot state mismatch, ...).
 */
export class SessionClosedError extends MediatorError {
    public readonly closeCode: CloseCode;

    public constructor(closeCode: CloseCode, message: string, options?: { readonly cause?: unknown }) {
        super('session-closed', message, options);
        this.closeCode = closeCode;
    }
}

/**
 * Why a device's chat-server relay ended (docs/chat-server-proxy.md), with
 * the close code each one ends the device's connection with.
 */
export const CHAT_SERVER_PROXY_FAILURES = {
    /** The device's server group has no chat-server address (or no proxy is configured). */
    'no-chat-server': CloseCode.CHAT_SERVER_CONNECTION_FAILED,
    /** The TCP connection was refused or failed before it was established. */
    'connect-failed': CloseCode.CHAT_SERVER_CONNECTION_FAILED,
    /** The TCP connection was not established in time. */
    'connect-timeout': CloseCode.CHAT_SERVER_CONNECTION_FAILED,
    /** The chat server ended the connection (every complete message was relayed first). */
    'chat-server-closed': CloseCode.CHAT_SERVER_CONNECTION_CLOSED,
    /** The established connection failed (reset, socket error). */
    'upstream-error': CloseCode.CHAT_SERVER_CONNECTION_ERROR,
    /** The chat server sent a CSP frame longer than a Proxy frame can carry. */
    'message-too-long': CloseCode.CHAT_SERVER_CONNECTION_ERROR,
    /** The device kept sending while its chat server did not read: the bytes queued toward it passed the bound. */
    'chat-server-not-reading': CloseCode.CHAT_SERVER_CONNECTION_ERROR,
} as const satisfies Readonly<Record<string, CloseCode>>;

export type ChatServerProxyFailure = keyof typeof CHAT_SERVER_PROXY_FAILURES;

/** The chat-server relay of a connection ended; the connection closes with 4000, 4001 or 4009. */
export class ChatServerProxyError extends SessionClosedError {
    public readonly failure: ChatServerProxyFailure;

    public constructor(failure: ChatServerProxyFailure, message: string, options?: { readonly cause?: unknown }) {
        super(CHAT_SERVER_PROXY_FAILURES[failure], message, options);
        this.failure = failure;
    }
}

/** The close code a connection ends with when `error` escapes its session. */
export function closeCodeForError(error: unknown): CloseCode {
    if (error instanceof SessionClosedError) return error.closeCode;
    if (error instanceof D2mProtocolError || error instanceof AuthenticationError) return CloseCode.PROTOCOL_ERROR;
    if (error instanceof LockLostError || error instanceof PresenceLostError) return CloseCode.TRY_AGAIN_LATER;
    if (error instanceof StorageError) return error.retryable ? CloseCode.TRY_AGAIN_LATER : CloseCode.INTERNAL_ERROR;
    return CloseCode.INTERNAL_ERROR;
}
