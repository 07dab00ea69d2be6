/**
 * Keeps this node's part of each group alive, and tidies what dead nodes
 * left behind. Every `presenceRenewIntervalMs`, for each group with local
 * sessions:
 *
 * - renews the presence of its logged-in sessions (a node that dies stops
 *   renewing, so its devices count as gone after `presenceTtlMs`), deleting
 *   the presence of dead nodes, and elects a new leader when a dead device
 *   held the role;
 * - ends a transaction lock that expired without being released, or whose
 *   holder's presence is gone (its node died): the held reflections are
 *   delivered, then TransactionEnded goes to every device; and delivers
 *   whatever is still held for a lock that ended any other way (the sweep:
 *   `releaseStaleHeld`), so no acknowledged reflection stays held;
 * - when renewal keeps failing (storage unreachable) or comes late (an
 *   overloaded node or store), closes the group's sessions with 1013 before
 *   their presence can expire, so no device acts as leader or lock holder
 *   after other nodes may have treated it as gone.
 *
 * Groups are renewed a few at a time, so a pass does not grow with the
 * number of groups times the store's latency. A deadline check, run four
 * times per interval even while a slow pass is still going, enforces the
 * last point: a session whose presence was last written (its group's last
 * successful renewal, or its own login) more than
 * `presenceTtlMs - presenceRenewIntervalMs` ago is closed. The
 * configuration requires `presenceTtlMs >= 3 * presenceRenewIntervalMs`,
 * so that limit is at least two intervals: the next renewal is due after
 * one, and a late timer or a slow store has a whole interval of room before
 * an idle session would be closed for nothing.
 */
import { CloseCode } from '../../d2m/index.js';
import type { MediatorConfig } from '../config/config.js';
import type { GroupCoordinator } from '../storage/group-coordinator.js';
import { shortGroupId, type ConnectionId, type GroupId, type NodeId } from '../storage/types.js';
import type { AttachedMember, GroupMember, LocalGroups } from './local-groups.js';
import { endExpiredLock, type AbandonedLockPorts } from './transactions.js';

/** What group maintenance reads and changes. */
export interface MaintenancePorts extends AbandonedLockPorts {
    readonly backend: AbandonedLockPorts['backend'] & {
        readonly coordinator: Pick<GroupCoordinator, 'renewPresence' | 'electLeader'>;
    };
    readonly config: AbandonedLockPorts['config'] &
        Pick<MediatorConfig, 'presenceTtlMs' | 'presenceRenewIntervalMs' | 'storageTimeoutMs'>;
    readonly nodeId: NodeId;
}

type MaintainedGroups = Pick<LocalGroups, 'groupIds' | 'members' | 'attachedMembers' | 'attached'>;

/** Groups renewed at the same time during a pass. */
const RENEW_CONCURRENCY = 16;

export class GroupMaintenance {
    #timer: NodeJS.Timeout | undefined;
    #running: Promise<void> | undefined;
    /** When the last successful renewal of each group started (how long storage has been failing for it). */
    readonly #lastRenewed = new Map<GroupId, number>();
    /**
     * When the last successful renewal that named each session started. Per
     * session, not per group: a session that logged in while a pass was
     * running was not part of it, and its presence lasts only from its login.
     */
    readonly #renewedAt = new WeakMap<GroupMember, number>();
    /** Sessions this closed for a late renewal (they stay attached until their cleanup ends). */
    readonly #closedLate = new WeakSet<GroupMember>();

    readonly #ports: MaintenancePorts;
    readonly #localGroups: MaintainedGroups;

    public constructor(ports: MaintenancePorts, localGroups: MaintainedGroups) {
        this.#ports = ports;
        this.#localGroups = localGroups;
    }

    public start(): void {
        if (this.#timer !== undefined) return;
        const interval = this.#ports.config.presenceRenewIntervalMs;
        // Deadlines are checked four times per renewal interval, so a late group is
        // closed at most a quarter interval (plus event-loop lag) after its deadline.
        let tick = 0;
        this.#timer = setInterval(
            () => {
                this.enforceDeadlines();
                if (tick++ % 4 === 0) void this.runOnce();
            },
            Math.max(1, Math.floor(interval / 4)),
        );
        this.#timer.unref();
    }

    public async stop(): Promise<void> {
        if (this.#timer !== undefined) clearInterval(this.#timer);
        this.#timer = undefined;
        await this.#running;
    }

    /** One pass over every local group. Never rejects. */
    public runOnce(): Promise<void> {
        this.#running ??= this.#pass().finally(() => (this.#running = undefined));
        return this.#running;
    }

    /**
     * Closes (1013) every logged-in session whose presence was not renewed in
     * time: other nodes may treat it as gone before the next renewal. A
     * session's presence lasts `presenceTtlMs` from the last successful
     * renewal that named it, or from its login when that came later (its
     * attach time, which precedes the login's write, stands in for it): so
     * a session logged in just before the node paused has a deadline even
     * before its group's first renewal here.
     */
    public enforceDeadlines(): void {
        const limit = this.#deadlineMs();
        const now = this.#ports.now();
        for (const groupId of this.#localGroups.groupIds()) {
            let closed = 0;
            let sinceMs = 0;
            for (const attached of this.#localGroups.attachedMembers(groupId)) {
                const { member } = attached;
                const since = now - this.#writtenAt(attached);
                if (!member.registered || since < limit || this.#closedLate.has(member)) continue;
                this.#closedLate.add(member);
                member.close(CloseCode.TRY_AGAIN_LATER, 'presence renewal late');
                closed += 1;
                sinceMs = Math.max(sinceMs, since);
            }
            if (closed > 0) {
                this.#ports.logger.warn('presence renewal late: closing sessions of the group here', {
                    group: shortGroupId(groupId),
                    sessions: closed,
                    sinceMs,
                });
            }
        }
    }

    /**
     * Whether the session's deadline (see `enforceDeadlines`) has passed, so
     * its presence may be expiring elsewhere. The session asks before it
     * handles a frame and before anything is written to its device: timers
     * run late on a loaded or stalled node, and an I/O callback may run
     * before them, so the timer alone cannot keep a lapsed session quiet.
     * False for a connection that is not attached here.
     */
    public lapsed(groupId: GroupId, connectionId: ConnectionId): boolean {
        const attached = this.#localGroups.attached(groupId, connectionId);
        return attached !== undefined && this.#ports.now() - this.#writtenAt(attached) >= this.#deadlineMs();
    }

    /** A lower bound of when the session's presence was last written: its login (attach) or a renewal naming it. */
    #writtenAt({ member, attachedAt }: AttachedMember): number {
        return Math.max(attachedAt, this.#renewedAt.get(member) ?? Number.NEGATIVE_INFINITY);
    }

    /** How long a presence write keeps a session allowed to act: one renewal interval short of the TTL. */
    #deadlineMs(): number {
        const { presenceTtlMs, presenceRenewIntervalMs } = this.#ports.config;
        return presenceTtlMs - presenceRenewIntervalMs;
    }

    async #pass(): Promise<void> {
        const groups = this.#localGroups.groupIds();
        const current = new Set(groups);
        for (const groupId of [...this.#lastRenewed.keys()]) {
            if (!current.has(groupId)) this.#lastRenewed.delete(groupId);
        }
        let next = 0;
        const worker = async (): Promise<void> => {
            while (next < groups.length) await this.#maintainBounded(groups[next++]!);
        };
        await Promise.all(Array.from({ length: Math.min(RENEW_CONCURRENCY, groups.length) }, worker));
    }

    /**
     * Maintains one group, but moves on after the storage timeout plus one
     * interval: every storage call has its own time limit, and this bound
     * keeps a pass finite whatever a call does, so `runOnce` never keeps
     * a pass that cannot end (the abandoned group's deadline still holds).
     */
    async #maintainBounded(groupId: GroupId): Promise<void> {
        const limitMs = this.#ports.config.storageTimeoutMs + this.#ports.config.presenceRenewIntervalMs;
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), limitMs);
        });
        const overdue = await Promise.race([this.#maintain(groupId).then(() => false), late]);
        clearTimeout(timer);
        if (overdue) {
            this.#ports.logger.warn('group maintenance overdue: moving on', { group: shortGroupId(groupId), limitMs });
        }
    }

    async #maintain(groupId: GroupId): Promise<void> {
        const { coordinator } = this.#ports.backend;
        const { presenceTtlMs, presenceRenewIntervalMs } = this.#ports.config;
        const now = this.#ports.now();
        const members = this.#localGroups.members(groupId).filter((member) => member.registered);
        try {
            const { missing, leaderLost } = await coordinator.renewPresence(
                groupId,
                this.#ports.nodeId,
                members.map((member) => member.connectionId),
                now + presenceTtlMs,
                now,
            );
            this.#lastRenewed.set(groupId, now);
            for (const member of members) {
                if (missing.includes(member.connectionId)) {
                    member.close(CloseCode.TRY_AGAIN_LATER, 'presence lost');
                } else {
                    this.#renewedAt.set(member, now);
                }
            }
            if (leaderLost) await coordinator.electLeader(groupId, now);
            await endExpiredLock(this.#ports, groupId, now, { alsoWhenHolderGone: true });
        } catch (error) {
            const last = this.#lastRenewed.get(groupId) ?? now;
            this.#ports.logger.warn('group maintenance failed', { group: shortGroupId(groupId), error });
            if (now - last >= presenceTtlMs - 2 * presenceRenewIntervalMs) {
                for (const member of this.#localGroups.members(groupId)) {
                    member.close(CloseCode.TRY_AGAIN_LATER, 'storage unavailable');
                }
            }
            // A group never renewed here keeps the deadline its sessions got at login (enforceDeadlines).
        }
    }
}
