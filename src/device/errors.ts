/**
 * Errors of the device client SDK.
 *
 * - {@link MediatorCloseError}: the connection ended. It carries the close
 *   code with its protocol meaning and reconnect policy. `connect()` rejects
 *   with it when the handshake fails, every pending request is rejected with
 *   it, and `closed` resolves to it.
 * - {@link DeviceClientError}: a local problem (bad options, a feature the
 *   chosen protocol revision lacks, exhausted reflect ids, a timeout).
 *
 * Messages never contain key material or payload bytes.
 */
import { closeCodeInfo, D2mError, type CloseCodeInfo, type ReconnectPolicy } from '../../d2m/index.js';

/** Who ended the connection: this client (`local`) or the mediator (`remote`). */
export type CloseInitiator = 'local' | 'remote';

export interface MediatorCloseErrorInit {
    readonly code: number;
    readonly reason: string;
    readonly wasClean: boolean;
    readonly initiator: CloseInitiator;
    readonly cause?: unknown;
}

/** The connection to the mediator ended, with this close code. */
export class MediatorCloseError extends Error {
    /** The WebSocket close code (the one this client sent when it closed first). */
    public readonly code: number;
    /** The protocol's name for the code, e.g. `protocol-error` (`unknown` for codes outside the protocol). */
    public readonly codeName: string;
    /** What the code means. */
    public readonly meaning: string;
    /** `auto` for 1xxx and 40xx codes, `user-action` for 41xx codes. */
    public readonly reconnect: ReconnectPolicy;
    /** The close reason text. */
    public readonly reason: string;
    /** False when the connection ended without a closing handshake (1006). */
    public readonly wasClean: boolean;
    public readonly initiator: CloseInitiator;
    /** The full close-code table entry. */
    public readonly info: CloseCodeInfo;

    public constructor(init: MediatorCloseErrorInit) {
        const info = closeCodeInfo(init.code);
        const by = init.initiator === 'local' ? 'by the client' : 'by the mediator';
        super(`connection closed ${by} with ${info.code} (${info.name})`, { cause: init.cause });
        this.name = 'MediatorCloseError';
        this.code = info.code;
        this.codeName = info.name;
        this.meaning = info.meaning;
        this.reconnect = info.reconnect;
        this.reason = init.reason;
        this.wasClean = init.wasClean;
        this.initiator = init.initiator;
        this.info = info;
    }

    /** Whether a client may reconnect on its own after this close. */
    public get mayReconnectAutomatically(): boolean {
        return this.reconnect === 'auto';
    }
}

/** Stable codes of {@link DeviceClientError}. */
export const DEVICE_CLIENT_ERROR_CODES = [
    /** The options passed to `connect()` are invalid. */
    'invalid-options',
    /** An argument of a request is invalid (for example an envelope that is too long). */
    'invalid-argument',
    /** The request is not available in the chosen protocol revision. */
    'unsupported',
    /** All 2^32 - 1 reflect ids of this connection are used up; reconnect. */
    'reflect-id-exhausted',
    /** The handshake did not complete in time. */
    'handshake-timeout',
    /** The WebSocket could not be opened. */
    'connection-failed',
] as const;

export type DeviceClientErrorCode = (typeof DEVICE_CLIENT_ERROR_CODES)[number];

/** A local error of the device client. */
export class DeviceClientError extends D2mError {
    declare public readonly code: DeviceClientErrorCode;

    public constructor(code: DeviceClientErrorCode, message: string, options?: { readonly cause?: unknown }) {
        super(code, message, options);
    }
}
