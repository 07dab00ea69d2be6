/**
 * Closing a node's sessions for a graceful drain: one by one, spread evenly
 * over a window, so that the devices' reconnects (to other nodes) do not
 * arrive as one storm. Leaders go last: by the time a leader's connection
 * ends, the other devices of its group on this node are gone, so the role
 * passes once, to a device on another node, instead of hopping between
 * devices that are about to be closed too.
 *
 * The caller stops accepting connections first; each close runs the
 * session's normal cleanup (locks and leader roles released, presence
 * removed). `done` resolves once every session is closed and cleaned up.
 */
import type { CloseCode } from '../../d2m/index.js';
import type { Logger } from '../log/logger.js';
import type { ConnectionId, GroupId } from '../storage/types.js';

/** What the drain needs of a session. */
export interface DrainableSession {
    readonly connectionId: ConnectionId;
    readonly groupId: GroupId;
    /** 'closed' once the connection has ended (its cleanup may still run). */
    readonly state: string;
    /** Closes the connection; idempotent. */
    close(code: CloseCode, reason: string): void;
    /** Resolves once the session is cleaned up; idempotent. */
    onClosed(): Promise<void>;
}

export interface SessionDrainOptions {
    /** 0 closes every session at once. */
    readonly windowMs: number;
    readonly code: CloseCode;
    readonly reason: string;
    /** The connection ids of the current leaders of these groups. */
    readonly leaderConnections: (groupIds: readonly GroupId[]) => Promise<ReadonlySet<ConnectionId>>;
    readonly logger: Logger;
}

/** Closes are at least this far apart in time (several share a step when the window is short). */
const STEP_MIN_MS = 10;
/** The leader lookup may take this long before the drain proceeds in connection order. */
const LEADER_LOOKUP_TIMEOUT_MS = 1000;

export class SessionDrain {
    /** Resolves once every session is closed and cleaned up. */
    public readonly done: Promise<void>;
    readonly #options: SessionDrainOptions;
    readonly #cleanups: Promise<void>[] = [];
    #order: readonly DrainableSession[] | undefined;
    #next = 0;
    #started = 0;
    #timer: NodeJS.Timeout | undefined;
    #forced: CloseCode | undefined;
    #releaseAllClosed: () => void = () => undefined;

    public constructor(sessions: readonly DrainableSession[], options: SessionDrainOptions) {
        this.#options = options;
        const allClosed = new Promise<void>((resolve) => (this.#releaseAllClosed = resolve));
        // Sessions already closed only need their cleanup awaited; the window is spread over the open ones.
        for (const session of sessions) if (session.state === 'closed') this.#cleanups.push(session.onClosed());
        const open = sessions.filter((session) => session.state !== 'closed');
        this.done = (async () => {
            this.#order = options.windowMs > 0 && open.length > 1 ? await this.#leadersLast(open) : open;
            this.#started = Date.now();
            this.#step(this.#order);
            await allClosed;
            await Promise.allSettled(this.#cleanups);
        })();
    }

    /** Closes every remaining session now, with `code`. */
    public closeRest(code: CloseCode): void {
        this.#forced = code;
        if (this.#order !== undefined) this.#closeUpTo(this.#order, this.#order.length, code);
    }

    #step(order: readonly DrainableSession[]): void {
        const { windowMs, code } = this.#options;
        if (this.#forced !== undefined || windowMs <= 0) {
            this.#closeUpTo(order, order.length, this.#forced ?? code);
            return;
        }
        const elapsed = Date.now() - this.#started;
        // The i-th session (from 0) is due at i * windowMs / n: the first at once, the last before the window ends.
        this.#closeUpTo(order, Math.floor((elapsed / windowMs) * order.length) + 1, code);
        if (this.#next < order.length) {
            this.#timer = setTimeout(() => this.#step(order), Math.max(STEP_MIN_MS, windowMs / order.length));
        }
    }

    #closeUpTo(order: readonly DrainableSession[], count: number, code: CloseCode): void {
        for (const session of order.slice(this.#next, count)) {
            this.#next++;
            session.close(code, this.#options.reason);
            this.#cleanups.push(session.onClosed());
        }
        if (this.#next >= order.length) {
            clearTimeout(this.#timer);
            this.#releaseAllClosed();
        }
    }

    async #leadersLast(sessions: readonly DrainableSession[]): Promise<readonly DrainableSession[]> {
        const groups = [...new Set(sessions.map((session) => session.groupId))];
        let timer: NodeJS.Timeout | undefined;
        try {
            const leaders = await Promise.race([
                this.#options.leaderConnections(groups),
                new Promise<never>((_, reject) => {
                    timer = setTimeout(() => reject(new Error('leader lookup timed out')), LEADER_LOOKUP_TIMEOUT_MS);
                }),
            ]);
            return [
                ...sessions.filter((session) => !leaders.has(session.connectionId)),
                ...sessions.filter((session) => leaders.has(session.connectionId)),
            ];
        } catch (error) {
            this.#options.logger.warn('drain: leaders unknown, closing in connection order', { error });
            return sessions;
        } finally {
            clearTimeout(timer);
        }
    }
}
