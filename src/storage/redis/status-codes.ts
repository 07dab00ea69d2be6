/**
 * Status codes returned by the Lua scripts as the first element of their
 * reply. Non-negative codes are domain outcomes the typed wrapper turns into
 * results; negative codes are failures, turned into `StorageError` by
 * `scriptFailure` (the one mapping from script status to error).
 */
import { StorageError } from '../../errors.js';

export enum ScriptStatus {
    /** Done (acquired, removed, found, ...). */
    OK = 0,
    /** The item, lock, presence or leader named by the call does not exist (or is not the caller's). */
    NOT_FOUND = 1,
    /** The transaction lock is held by another connection. */
    REJECTED = 2,
    /** The requesting connection already holds the transaction lock. */
    ALREADY_HOLDER = 3,
    /** A held append's token is not the group's current lock: nothing was stored (LockLostError). */
    LOCK_LOST = 4,
    /** An append's sender connection is not the slot's current, unexpired presence: nothing was stored (PresenceLostError). */
    PRESENCE_LOST = 5,
    /** The script was called with a malformed argument: a bug in the wrapper. */
    BAD_ARGUMENT = -1,
    /** Stored data did not have the expected shape. */
    CORRUPT_STATE = -2,
}

/** The statuses a wrapper handles; every other one is a failure. */
export const DOMAIN_STATUSES: ReadonlySet<number> = new Set<number>([
    ScriptStatus.OK,
    ScriptStatus.NOT_FOUND,
    ScriptStatus.REJECTED,
    ScriptStatus.ALREADY_HOLDER,
    ScriptStatus.LOCK_LOST,
    ScriptStatus.PRESENCE_LOST,
]);

const FAILURES: ReadonlyMap<number, string> = new Map([
    [ScriptStatus.BAD_ARGUMENT, 'bad argument'],
    [ScriptStatus.CORRUPT_STATE, 'corrupt state'],
]);

/** The error for a negative status; neither failure goes away by retrying. */
export function scriptFailure(script: string, status: number, detail: string | undefined): StorageError {
    const what = FAILURES.get(status) ?? `unknown status ${status}`;
    return new StorageError(`Redis script ${script} failed: ${what}${detail === undefined ? '' : `: ${detail}`}`, {
        retryable: false,
    });
}
