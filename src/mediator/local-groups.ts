/**
 * Routes group events to the sessions this node holds. Subscribes to a
 * group's bus when its first local session attaches, and unsubscribes when
 * the last one detaches. Each event goes only to the members it concerns:
 * `kick` and `promoted` to the named connection, `appended` to the members
 * of the named slots, `ephemeral` to every device but the sender,
 * `transaction-ended` and `bus-interrupted` to all (the holder's
 * connection checks whether the ended grant is one it still holds).
 */
import type { DeviceId } from '../../d2m/index.js';
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

interface Attached {
    readonly member: GroupMember;
    readonly deviceId: DeviceId | undefined;
    /** Clock of the LocalGroups (the mediator's `now`), ms. */
    readonly attachedAt: number;
}

/** A member and when it attached (before its login wrote its presence). */
export interface AttachedMember {
    readonly member: GroupMember;
    /** Clock of the LocalGroups (the mediator's `now`), ms. */
    readonly attachedAt: number;
}

interface LocalGroup {
    readonly members: Map<ConnectionId, Attached>;
    /** Resolves once the bus subscription is active; then holds the unsubscribe function. */
    readonly subscribed: Promise<() => Promise<void>>;
}

export class LocalGroups {
    readonly #groups = new Map<GroupId, LocalGroup>();

    readonly #coordinator: GroupCoordinator;
    readonly #logger: Logger;
    /** The clock of attach times (the mediator's `now`). */
    readonly #now: () => number;

    public constructor(coordinator: GroupCoordinator, logger: Logger, now: () => number = Date.now) {
        this.#coordinator = coordinator;
        this.#logger = logger;
        this.#now = now;
    }

    /**
     * Adds a session of device `deviceId` (without it, the member gets only
     * the events for its connection and the group-wide ones); resolves once
     * events of the group reach it.
     */
    public async attach(groupId: GroupId, member: GroupMember, deviceId?: DeviceId): Promise<void> {
        let group = this.#groups.get(groupId);
        if (group === undefined) {
            const members = new Map<ConnectionId, Attached>();
            const subscribed = this.#coordinator.subscribe(groupId, (event) => this.#dispatch(members, event));
            group = { members, subscribed };
            this.#groups.set(groupId, group);
            subscribed.catch(() => {
                // A failed subscription is retried by the next attach.
                if (this.#groups.get(groupId) === group) this.#groups.delete(groupId);
            });
        }
        group.members.set(member.connectionId, { member, deviceId, attachedAt: this.#now() });
        await group.subscribed;
    }

    /** Removes a session; unsubscribes when it was the group's last one here. */
    public detach(groupId: GroupId, member: GroupMember): void {
        const group = this.#groups.get(groupId);
        if (group === undefined || group.members.get(member.connectionId)?.member !== member) return;
        group.members.delete(member.connectionId);
        if (group.members.size > 0) return;
        this.#groups.delete(groupId);
        group.subscribed
            .then((unsubscribe) => unsubscribe())
            .catch((error: unknown) => this.#logger.warn('unsubscribing from a group failed', { error }));
    }

    /** Groups with at least one local session. */
    public groupIds(): GroupId[] {
        return [...this.#groups.keys()];
    }

    /** The local sessions of a group. */
    public members(groupId: GroupId): GroupMember[] {
        return [...(this.#groups.get(groupId)?.members.values() ?? [])].map((attached) => attached.member);
    }

    /**
     * The local sessions of a group with their attach times: a member's
     * presence, written by its login after it attached, lasts at least the
     * presence TTL from then (group-maintenance.ts deadlines).
     */
    public attachedMembers(groupId: GroupId): AttachedMember[] {
        return [...(this.#groups.get(groupId)?.members.values() ?? [])].map(({ member, attachedAt }) => ({
            member,
            attachedAt,
        }));
    }

    /** The attached session of a connection with its attach time, or undefined. */
    public attached(groupId: GroupId, connectionId: ConnectionId): AttachedMember | undefined {
        // The stored record (it has the fields of an AttachedMember): asked on every frame, so no copy.
        return this.#groups.get(groupId)?.members.get(connectionId);
    }

    /** Number of groups with at least one local session. */
    public get size(): number {
        return this.#groups.size;
    }

    #dispatch(members: ReadonlyMap<ConnectionId, Attached>, event: GroupEvent): void {
        switch (event.type) {
            case 'kick':
            case 'promoted':
                members.get(event.connectionId)?.member.onGroupEvent(event);
                return;
            case 'appended':
                for (const { member, deviceId } of members.values()) {
                    if (deviceId !== undefined && event.deviceIds.includes(deviceId)) member.onGroupEvent(event);
                }
                return;
            case 'ephemeral':
                for (const { member, deviceId } of members.values()) {
                    if (deviceId !== undefined && deviceId !== event.senderDeviceId) member.onGroupEvent(event);
                }
                return;
            case 'transaction-ended':
            case 'bus-interrupted':
                for (const { member } of members.values()) member.onGroupEvent(event);
                return;
            default:
                event satisfies never;
        }
    }
}
