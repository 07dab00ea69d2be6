/**
 * Routes group events to the sessions this node holds. Subscribes to a
 * group's bus when its first local session attaches, and unsubscribes when
 * the last one detaches. `kick` events go only to the named connection;
 * every other event goes to every local session of the group, which filters
 * what concerns it.
 */
import type { GroupCoordinator, GroupEvent } from '../storage/group-coordinator.js';
import type { ConnectionId, GroupId } from '../storage/types.js';
import type { Logger } from '../log/logger.js';

export interface GroupMember {
    readonly connectionId: ConnectionId;
    /** Whether the member has logged in (its presence is registered and must be kept alive). */
    readonly registered: boolean;
    onGroupEvent(event: GroupEvent): void;
    close(code: number, reason: string): void;
}

/** A member and when it attached (before its login wrote its presence). */
export interface AttachedMember {
    readonly member: GroupMember;
    /** Clock of the LocalGroups (the mediator's `now`), ms. */
    readonly attachedAt: number;
}

interface LocalGroup {
    readonly members: Map<ConnectionId, GroupMember>;
    readonly attachedAt: Map<ConnectionId, number>;
    /** Resolves once the bus subscription is active; then holds the unsubscribe function. */
    readonly subscribed: Promise<() => Promise<void>>;
}

export class LocalGroups {
    readonly #groups = new Map<GroupId, LocalGroup>();

    public constructor(
        private readonly coordinator: GroupCoordinator,
        private readonly logger: Logger,
        /** The clock of attach times (the mediator's `now`). */
        private readonly now: () => number = Date.now,
    ) {}

    /** Adds a session; resolves once events of the group reach it. */
    public async attach(groupId: GroupId, member: GroupMember): Promise<void> {
        let group = this.#groups.get(groupId);
        if (group === undefined) {
            const members = new Map<ConnectionId, GroupMember>();
            const subscribed = this.coordinator.subscribe(groupId, (event) => this.#dispatch(members, event));
            group = { members, attachedAt: new Map(), subscribed };
            this.#groups.set(groupId, group);
            subscribed.catch(() => {
                // A failed subscription is retried by the next attach.
                if (this.#groups.get(groupId) === group) this.#groups.delete(groupId);
            });
        }
        group.members.set(member.connectionId, member);
        group.attachedAt.set(member.connectionId, this.now());
        await group.subscribed;
    }

    /** Removes a session; unsubscribes when it was the group's last one here. */
    public detach(groupId: GroupId, member: GroupMember): void {
        const group = this.#groups.get(groupId);
        if (group === undefined || group.members.get(member.connectionId) !== member) return;
        group.members.delete(member.connectionId);
        group.attachedAt.delete(member.connectionId);
        if (group.members.size > 0) return;
        this.#groups.delete(groupId);
        group.subscribed
            .then((unsubscribe) => unsubscribe())
            .catch((error: unknown) => this.logger.warn('unsubscribing from a group failed', { error }));
    }

    /** Groups with at least one local session. */
    public groupIds(): GroupId[] {
        return [...this.#groups.keys()];
    }

    /** The local sessions of a group. */
    public members(groupId: GroupId): GroupMember[] {
        return [...(this.#groups.get(groupId)?.members.values() ?? [])];
    }

    /**
     * The local sessions of a group with their attach times: a member's
     * presence, written by its login after it attached, lasts at least the
     * presence TTL from then (group-maintenance.ts deadlines).
     */
    public attachedMembers(groupId: GroupId): AttachedMember[] {
        const group = this.#groups.get(groupId);
        if (group === undefined) return [];
        return [...group.members.values()].map((member) => ({
            member,
            attachedAt: group.attachedAt.get(member.connectionId) ?? this.now(),
        }));
    }

    /** Number of groups with at least one local session. */
    public get size(): number {
        return this.#groups.size;
    }

    #dispatch(members: ReadonlyMap<ConnectionId, GroupMember>, event: GroupEvent): void {
        if (event.type === 'kick') {
            members.get(event.connectionId)?.onGroupEvent(event);
            return;
        }
        for (const member of members.values()) member.onGroupEvent(event);
    }
}
