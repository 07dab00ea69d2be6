/**
 * The server's error taxonomy, and the one mapping from errors to WebSocket
 * close codes. Only the session boundary (src/session/) turns errors into
 * closes, through `closeCodeForError`.
 */
import { CloseCode, D2mError, D2mProtocolError } from '../d2m/index.js';

export { D2mError, D2mProtocolError };

/** The challenge response did not verify. */
export class AuthenticationError extends D2mError {
    public constructor(message = 'challenge response did not verify', options?: { readonly cause?: unknown }) {
        super('authentication-failed', message, options);
    }
}

/** Redis, PostgreSQL or another store failed. `retryable`: a later attempt may succeed. */
export class StorageError extends D2mError {
    public readonly retryable: boolean;

    public constructor(message: string, options?: { readonly cause?: unknown; readonly retryable?: boolean }) {
        super('storage-failed', message, options);
        this.retryable = options?.retryable ?? true;
    }
}

/** Invalid configuration; `problems` lists every invalid field at once. */
export class ConfigError extends D2mError {
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
export class SessionClosedError extends D2mError {
    public readonly closeCode: CloseCode;

    public constructor(closeCode: CloseCode, message: string) {
        super('session-closed', message);
        this.closeCode = closeCode;
    }
}

/** The close code a connection ends with when `error` escapes its session. */
export function closeCodeForError(error: unknown): CloseCode {
    if (error instanceof SessionClosedError) return error.closeCode;
    if (error instanceof D2mProtocolError || error instanceof AuthenticationError) return CloseCode.PROTOCOL_ERROR;
    if (error instanceof StorageError) return error.retryable ? CloseCode.TRY_AGAIN_LATER : CloseCode.INTERNAL_ERROR;
    return CloseCode.INTERNAL_ERROR;
}
