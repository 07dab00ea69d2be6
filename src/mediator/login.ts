/**
 * Login: everything between a verified ClientHello and ServerInfo. Creates
 * or reuses the slot (policy, tombstone, expected state, slot limit and
 * eviction decided atomically by the store, which also answers the shared
 * device data: one PostgreSQL round trip), then, in one step of the login
 * store (one Redis round trip), makes the slot a member of the group's
 * fan-out, registers presence (closing an older connection of the same
 * device with 4112) and gathers what ServerInfo reports.
 */
import {
    CloseCode,
    DeviceSlotState,
    type ClientHello,
    type DeviceId,
    type DeviceSlotExpirationPolicy,
} from '../../d2m/index.js';
import { SessionClosedError } from '../errors.js';
import type { MediatorConfig } from '../config/config.js';
import type { MediatorMetricsHooks } from '../metrics/hooks.js';
import type { DeviceGroupStore } from '../storage/device-group-store.js';
import type { GroupCoordinator } from '../storage/group-coordinator.js';
import type { LoginStore } from '../storage/login-store.js';
import type { ReflectionQueue } from '../storage/reflection-queue.js';
import {
    deviceIdHex,
    shortGroupId,
    type ConnectionId,
    type GroupId,
    type NodeId,
    type SlotPolicy,
} from '../storage/types.js';
import { closeDevice } from './slots.js';
import { endLockOfOldConnection, releaseStaleHeld, type AbandonedLockPorts } from './transactions.js';

/** What login and logout read and change. */
export interface LoginPorts extends AbandonedLockPorts {
    readonly backend: AbandonedLockPorts['backend'] & {
        readonly groups: Pick<DeviceGroupStore, 'loginSlot' | 'recordDisconnect' | 'getPolicyOverride'>;
        readonly queue: Pick<ReflectionQueue, 'removeSlot' | 'stats'>;
        readonly coordinator: Pick<GroupCoordinator, 'listPresence' | 'leave'>;
        readonly logins: LoginStore;
    };
    readonly config: AbandonedLockPorts['config'] & Pick<MediatorConfig, 'presenceTtlMs' | 'policy'>;
    readonly metrics: AbandonedLockPorts['metrics'] & Pick<MediatorMetricsHooks, 'slotsEvicted'>;
    readonly nodeId: NodeId;
}

export interface LoginRequest {
    readonly groupId: GroupId;
    readonly connectionId: ConnectionId;
    readonly hello: ClientHello.Type;
}

export interface LoginResult {
    readonly policy: SlotPolicy;
    readonly slotState: DeviceSlotState;
    readonly encryptedSharedDeviceData: Uint8Array;
    /** Reflections queued for the slot now: the backlog sent before ReflectionQueueDry. */
    readonly queueLength: number;
    readonly connectedSince: number;
    readonly expirationPolicy: DeviceSlotExpirationPolicy;
}

export async function login(ports: LoginPorts, request: LoginRequest): Promise<LoginResult> {
    const { groupId, connectionId, hello } = request;
    const { groups, queue, coordinator, logins } = ports.backend;
    // Who is online matters only for expired slots and eviction: the store asks for it then.
    const onlineDeviceIds = async (): Promise<ReadonlySet<DeviceId>> => {
        const presence = await coordinator.listPresence(groupId, ports.now());
        const online = new Set<DeviceId>();
        for (const entry of presence) if (entry.deviceId !== hello.deviceId) online.add(entry.deviceId);
        return online;
    };
    const now = ports.now();
    const result = await groups.loginSlot({
        groupId,
        deviceId: hello.deviceId,
        expirationPolicy: hello.deviceSlotExpirationPolicy,
        encryptedDeviceInfo: hello.encryptedDeviceInfo,
        expectedState: hello.expectedDeviceSlotState,
        exhaustedPolicy: hello.deviceSlotsExhaustedPolicy,
        onlineDeviceIds,
        defaults: ports.config.policy,
        now,
    });
    switch (result.status) {
        case 'tombstoned':
            throw new SessionClosedError(
                CloseCode.REFLECTION_QUEUE_LIMIT_REACHED,
                'slot was dropped: reflection queue limit reached',
            );
        case 'slot-state-mismatch':
            throw new SessionClosedError(CloseCode.DEVICE_SLOT_STATE_MISMATCH, 'expected device slot state mismatch');
        case 'device-limit-reached':
            throw new SessionClosedError(CloseCode.DEVICE_LIMIT_REACHED, 'device slot limit reached');
        case 'ok':
            break;
    }

    for (const deviceId of result.expired) await queue.removeSlot(groupId, deviceId);
    if (result.evicted.length > 0) {
        ports.metrics.slotsEvicted(result.evicted.length);
        ports.logger.info('slots evicted for a new device', {
            group: shortGroupId(groupId),
            evicted: result.evicted.map(deviceIdHex),
        });
    }
    for (const deviceId of result.evicted) {
        await queue.removeSlot(groupId, deviceId);
        await closeDevice(ports, groupId, deviceId, CloseCode.DEVICE_DROPPED);
    }
    // The rest is one step of the store (one script, one round trip on Redis; login-store.ts): a
    // NEW slot starts with an empty queue, whatever a crash may have left behind; the slot joins the
    // fan-out; the presence is registered; then the device's lock, what is held for ended locks and
    // the backlog are read. A failure ends the login, whose cleanup logs the connection out again.
    const registered = await logins.registerLogin({
        groupId,
        presence: {
            deviceId: hello.deviceId,
            connectionId,
            nodeId: ports.nodeId,
            connectedSince: now,
            expiresAt: now + ports.config.presenceTtlMs,
        },
        newSlot: result.slotState === DeviceSlotState.NEW,
        now,
    });
    const { lock, staleHeldTokens: stale } = registered;
    let stats = registered.stats;
    const oldLock = lock !== undefined && lock.deviceId === hello.deviceId && lock.connectionId !== connectionId;
    if (oldLock || stale.length > 0) {
        // Rare: held reflections to deliver before the device reflects again, which changes the
        // backlog. The same steps as always, one after the other.
        // A lock the device still holds under a connection that ended without releasing it.
        await endLockOfOldConnection(ports, groupId, hello.deviceId, connectionId);
        // And what is still held for a lock of its that ended otherwise.
        await releaseStaleHeld(ports, groupId, now);
        stats = await queue.stats(groupId, hello.deviceId);
    }
    return {
        policy: result.policy,
        slotState: result.slotState,
        encryptedSharedDeviceData: result.encryptedSharedDeviceData,
        queueLength: stats.count,
        connectedSince: now,
        expirationPolicy: hello.deviceSlotExpirationPolicy,
    };
}

/**
 * Ends a connection's hold on its slot: removes its presence (if still
 * current) and, in the same step, elects a new leader (one script on
 * Redis), then records the disconnect time. The election comes first: it
 * needs only the coordinator, and the leader role must not wait for
 * PostgreSQL (slow or unreachable). Resolves whether the connection was
 * current.
 */
export async function logout(
    ports: LoginPorts,
    groupId: GroupId,
    deviceId: DeviceId,
    connectionId: ConnectionId,
): Promise<boolean> {
    const { coordinator, groups } = ports.backend;
    if (!(await coordinator.leave(groupId, deviceId, connectionId, ports.now()))) return false;
    await groups.recordDisconnect(groupId, deviceId, ports.now());
    return true;
}
