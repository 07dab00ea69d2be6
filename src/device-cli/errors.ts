/**
 * Errors of the device CLI and the one place that turns any error into the
 * message a user reads and the exit status (2: the command line is wrong,
 * 1: the command failed). Messages never contain key material.
 */
import { D2mError } from '../../d2m/index.js';
import { DeviceClientError, MediatorCloseError } from '../device/index.js';

/** Exit status of a command line that cannot be run as given. */
export const EXIT_USAGE = 2;
/** Exit status of a command that failed. */
export const EXIT_FAILURE = 1;

/** Stable codes of {@link DeviceCliError}. */
export type DeviceCliErrorCode = 'usage' | 'failed';

/** An error the CLI raises on purpose: `usage` (exit 2) or `failed` (exit 1). */
export class DeviceCliError extends D2mError {
    declare public readonly code: DeviceCliErrorCode;

    public constructor(code: DeviceCliErrorCode, message: string, options?: { readonly cause?: unknown }) {
        super(code, message, options);
    }

    public get exitCode(): number {
        return this.code === 'usage' ? EXIT_USAGE : EXIT_FAILURE;
    }
}

export function usageError(message: string, cause?: unknown): DeviceCliError {
    return new DeviceCliError('usage', message, { cause });
}

export function failure(message: string, cause?: unknown): DeviceCliError {
    return new DeviceCliError('failed', message, { cause });
}

/** What the user should do after a close code that needs their action. */
const CLOSE_HINTS: ReadonlyMap<number, string> = new Map([
    [4110, 'the mediator and this CLI share no protocol version'],
    [
        4111,
        'drop a device with `mediator device drop <id>` run as a device that is already in the group ' +
            '(its --label or --device-id), or connect with --drop-least-recent',
    ],
    [4112, 'another connection with the same device id (same --label or --device-id) replaced this one'],
    [4113, 'connecting again with the same device id starts a new, empty device slot'],
    [4114, 'this device id is refused for a while; use another --label or --device-id'],
]);

function findCause<T>(error: unknown, match: (value: unknown) => value is T): T | undefined {
    for (let current: unknown = error; current instanceof Error; current = current.cause) {
        if (match(current)) return current;
    }
    return undefined;
}

function isConnectionFailure(value: unknown): value is DeviceClientError {
    return value instanceof DeviceClientError && value.code === 'connection-failed';
}

function isHandshakeTimeout(value: unknown): value is DeviceClientError {
    return value instanceof DeviceClientError && value.code === 'handshake-timeout';
}

/** Replaces control characters so that text from the network cannot drive the terminal. */
export function printable(text: string): string {
    // eslint-disable-next-line no-control-regex
    return text.replace(/[\u0000-\u001f\u007f-\u009f]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One line on how a connection ended, with the close code's meaning. */
export function describeClose(error: MediatorCloseError, url: string): string {
    const unreachable = findCause(error, isConnectionFailure);
    if (unreachable !== undefined) {
        const detail = unreachable.cause instanceof Error ? `: ${unreachable.cause.message}` : '';
        return `cannot reach the mediator at ${url}${detail}`;
    }
    if (findCause(error, isHandshakeTimeout) !== undefined) {
        return `the mediator at ${url} did not complete the handshake in time`;
    }
    const by = error.initiator === 'local' ? 'this client closed the connection' : 'the mediator closed the connection';
    const reason = error.reason === '' ? '' : ` (reason ${JSON.stringify(printable(error.reason))})`;
    const hint = CLOSE_HINTS.get(error.code);
    return `${by} with ${error.code} ${error.codeName}${reason}: ${error.meaning}${hint === undefined ? '' : `; ${hint}`}`;
}

/** The message and exit status for any error a command ends with. */
export function explain(
    error: unknown,
    url: string | undefined,
): { readonly message: string; readonly exitCode: number } {
    if (error instanceof DeviceCliError) return { message: error.message, exitCode: error.exitCode };
    if (error instanceof MediatorCloseError) {
        return { message: describeClose(error, url ?? 'the given URL'), exitCode: EXIT_FAILURE };
    }
    if (error instanceof DeviceClientError) {
        const usage = error.code === 'invalid-options' || error.code === 'invalid-argument';
        return { message: error.message, exitCode: usage ? EXIT_USAGE : EXIT_FAILURE };
    }
    return { message: error instanceof Error ? error.message : String(error), exitCode: EXIT_FAILURE };
}
