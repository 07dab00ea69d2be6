/**
 * Repository of the `device_slots` table.
 */
import type pgPromise from 'pg-promise';
import { DeviceSlotsExhaustedPolicy, DeviceSlotState, type DeviceId } from '../../../../d2m/index.js';
import { StorageError } from '../../../errors.js';
import type { ExpiryCandidate, LoginSlotRequest, LoginSlotResult } from '../../device-group-store.js';
import type { DeviceSlot, GroupId, SlotPolicy } from '../../types.js';
import {
    bytesFromDb,
    bytesToDb,
    deviceIdFromDb,
    deviceIdParam,
    deviceIdToDb,
    groupIdFromDb,
    msFromDb,
    msToDb,
} from '../encoding.js';
import { poolQuery, type PooledDatabase } from '../pool-query.js';
import { SQL, statementText } from '../sql.js';

interface SlotRow {
    readonly device_id: string;
    readonly expiration_policy: number;
    readonly encrypted_device_info: Buffer;
    readonly created_at: string;
    readonly last_login_at: string;
    readonly last_disconnect_at: string | null;
}

/** The row of `login_slot()` (migrations/0002_login_slot_function.sql). */
interface LoginRow {
    readonly status: string;
    readonly slot_state: number | null;
    readonly expired_ids: readonly string[] | null;
    readonly evicted_ids: readonly string[] | null;
    readonly override_max_device_slots: number | null;
    readonly override_queue_max_count: number | null;
    readonly override_queue_max_bytes: number | null;
    readonly override_volatile_grace_ms: number | null;
    readonly override_persistent_expiry_ms: number | null;
    readonly override_tombstone_ttl_ms: number | null;
    readonly shared_data: Buffer | null;
}

function slotStateFromDb(value: number | null): DeviceSlotState {
    if (value === DeviceSlotState.NEW || value === DeviceSlotState.EXISTING) return value;
    throw new StorageError(`login_slot answered the slot state ${String(value)}`, { retryable: false });
}

function loginResultFromRow(row: LoginRow, defaults: SlotPolicy): LoginSlotResult {
    switch (row.status) {
        case 'tombstoned':
            return { status: 'tombstoned' };
        case 'slot-state-mismatch':
            return { status: 'slot-state-mismatch', actual: slotStateFromDb(row.slot_state) };
        case 'device-limit-reached':
            return { status: 'device-limit-reached' };
        case 'ok':
            return {
                status: 'ok',
                slotState: slotStateFromDb(row.slot_state),
                evicted: (row.evicted_ids ?? []).map(deviceIdFromDb),
                expired: (row.expired_ids ?? []).map(deviceIdFromDb),
                policy: {
                    maxDeviceSlots: row.override_max_device_slots ?? defaults.maxDeviceSlots,
                    queueMaxCount: row.override_queue_max_count ?? defaults.queueMaxCount,
                    queueMaxBytes: row.override_queue_max_bytes ?? defaults.queueMaxBytes,
                    volatileGraceMs: row.override_volatile_grace_ms ?? defaults.volatileGraceMs,
                    persistentExpiryMs: row.override_persistent_expiry_ms ?? defaults.persistentExpiryMs,
                    tombstoneTtlMs: row.override_tombstone_ttl_ms ?? defaults.tombstoneTtlMs,
                },
                encryptedSharedDeviceData: row.shared_data === null ? new Uint8Array(0) : bytesFromDb(row.shared_data),
            };
        default:
            throw new StorageError(`login_slot answered the status ${row.status}`, { retryable: false });
    }
}

function slotFromRow(row: SlotRow): DeviceSlot {
    if (row.expiration_policy !== 0 && row.expiration_policy !== 1) {
        throw new StorageError(`unknown expiration policy ${row.expiration_policy}`, { retryable: false });
    }
    return {
        deviceId: deviceIdFromDb(row.device_id),
        expirationPolicy: row.expiration_policy,
        encryptedDeviceInfo: bytesFromDb(row.encrypted_device_info),
        createdAt: msFromDb(row.created_at),
        lastLoginAt: msFromDb(row.last_login_at),
        lastDisconnectAt: row.last_disconnect_at === null ? undefined : msFromDb(row.last_disconnect_at),
    };
}

export class DeviceSlotsRepository {
    readonly #db: pgPromise.IBaseProtocol<unknown>;

    public constructor(db: pgPromise.IBaseProtocol<unknown>) {
        this.#db = db;
    }

    /** Creation order, then device id. */
    public async listByGroup(groupId: GroupId): Promise<DeviceSlot[]> {
        const rows = await this.#db.any<SlotRow>(SQL.deviceSlots.listByGroup, { groupId });
        return rows.map(slotFromRow);
    }

    public async get(groupId: GroupId, deviceId: DeviceId): Promise<DeviceSlot | undefined> {
        const row = await this.#db.oneOrNone<SlotRow>(SQL.deviceSlots.get, {
            groupId,
            deviceId: deviceIdToDb(deviceId),
        });
        return row === null ? undefined : slotFromRow(row);
    }

    /** Resolves whether the slot existed. */
    public async delete(groupId: GroupId, deviceId: DeviceId): Promise<boolean> {
        const params = { groupId, deviceId: deviceIdToDb(deviceId) };
        return (await this.#db.result(SQL.deviceSlots.delete, params)).rowCount > 0;
    }

    /** See `DeviceGroupStore.listExpiryCandidates`. */
    public async expiryCandidates(now: number, defaults: SlotPolicy, limit: number): Promise<ExpiryCandidate[]> {
        const rows = await this.#db.any<{ group_id: string; device_id: string }>(SQL.deviceSlots.expiryCandidates, {
            now: msToDb(now),
            volatileGraceMs: defaults.volatileGraceMs,
            persistentExpiryMs: defaults.persistentExpiryMs,
            limit: Math.max(0, Math.floor(limit)),
        });
        return rows.map((row) => ({ groupId: groupIdFromDb(row.group_id), deviceId: deviceIdFromDb(row.device_id) }));
    }
}

const LOGIN_TEXT = statementText(SQL.deviceSlots.login);
const LOGIN_MANY_TEXT = statementText(SQL.deviceSlots.loginMany);
const RECORD_DISCONNECT_TEXT = statementText(SQL.deviceSlots.recordDisconnect);

async function loginStatement(
    db: PooledDatabase,
    request: LoginSlotRequest,
    onlineDeviceIds: ReadonlySet<DeviceId> | null,
): Promise<LoginRow> {
    const { defaults } = request;
    let online: string[] | null = null;
    if (onlineDeviceIds !== null) {
        online = [];
        for (const deviceId of onlineDeviceIds) online.push(deviceIdParam(deviceId));
    }
    const rows = await poolQuery<LoginRow>(db, {
        name: 'd2m-login-slot',
        text: LOGIN_TEXT,
        values: [
            request.groupId,
            deviceIdParam(request.deviceId),
            request.expirationPolicy,
            bytesToDb(request.encryptedDeviceInfo),
            request.expectedState ?? null,
            request.exhaustedPolicy === DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT,
            online,
            defaults.maxDeviceSlots,
            defaults.volatileGraceMs,
            defaults.persistentExpiryMs,
            msToDb(request.now),
        ],
    });
    const row = rows[0];
    if (rows.length !== 1 || row === undefined) {
        throw new StorageError(`login_slot answered ${rows.length} rows`, { retryable: false });
    }
    return row;
}

/**
 * A whole login (see DeviceGroupStore.loginSlot) in one statement: the
 * `login_slot` function locks the group row and decides and writes in the
 * statement's own transaction. One round trip, as a named prepared
 * statement sent on a pooled connection by the driver alone (planned once
 * per connection; the values are bound, nothing is formatted into the
 * text). When the online devices are to be read (a function), the
 * statement first runs without them; only when it answers
 * `presence-needed` (see migration 0003) are they read and the statement
 * run again with them: two round trips then.
 */
export async function loginSlot(db: PooledDatabase, request: LoginSlotRequest): Promise<LoginSlotResult> {
    const online = request.onlineDeviceIds;
    const first = await loginStatement(db, request, typeof online === 'function' ? null : online);
    if (first.status !== 'presence-needed') return loginResultFromRow(first, request.defaults);
    const known = typeof online === 'function' ? await online() : online;
    return loginResultFromRow(await loginStatement(db, request, known), request.defaults);
}

/** A login of a batch (`loginSlots`): its result, or why it is to be done alone. */
export type BatchedLogin =
    | { readonly kind: 'done'; readonly result: LoginSlotResult }
    /** The online devices are needed (migration 0003): the login is done alone with them. */
    | { readonly kind: 'presence-needed' }
    /** The login failed inside the batch (its changes undone): with its SQLSTATE and message. */
    | { readonly kind: 'failed'; readonly error: Error & { readonly code: string } };

interface BatchedLoginRow extends LoginRow {
    readonly ord: number;
    readonly error_state: string | null;
    readonly error_message: string | null;
}

/**
 * The logins of several devices in one statement, the `login_slots`
 * function (migrations/0004_login_slots.sql): one round trip for all of
 * them. Every request must carry the same defaults (they are passed once).
 * The online devices are never passed: a login that needs them answers
 * `presence-needed` (see `loginSlotWithPresence`).
 */
export async function loginSlots(db: PooledDatabase, requests: readonly LoginSlotRequest[]): Promise<BatchedLogin[]> {
    const defaults = requests[0]!.defaults;
    const rows = await poolQuery<BatchedLoginRow>(db, {
        name: 'd2m-login-slots',
        text: LOGIN_MANY_TEXT,
        values: [
            requests.map((request) => request.groupId),
            requests.map((request) => deviceIdParam(request.deviceId)),
            requests.map((request) => request.expirationPolicy),
            requests.map((request) => bytesToDb(request.encryptedDeviceInfo)),
            requests.map((request) => request.expectedState ?? null),
            requests.map((request) => request.exhaustedPolicy === DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT),
            defaults.maxDeviceSlots,
            defaults.volatileGraceMs,
            defaults.persistentExpiryMs,
            requests.map((request) => msToDb(request.now)),
        ],
    });
    const outcomes: (BatchedLogin | undefined)[] = requests.map(() => undefined);
    for (const row of rows) {
        const index = row.ord - 1;
        if (!Number.isInteger(index) || index < 0 || index >= requests.length || outcomes[index] !== undefined) {
            throw new StorageError(`login_slots answered the position ${String(row.ord)}`, { retryable: false });
        }
        if (row.status === 'error') {
            const error = Object.assign(new Error(row.error_message ?? 'login failed'), {
                code: row.error_state ?? 'XX000',
            });
            outcomes[index] = { kind: 'failed', error };
        } else if (row.status === 'presence-needed') {
            outcomes[index] = { kind: 'presence-needed' };
        } else {
            outcomes[index] = { kind: 'done', result: loginResultFromRow(row, requests[index]!.defaults) };
        }
    }
    return outcomes.map((outcome, index) => {
        if (outcome === undefined)
            throw new StorageError(`login_slots left out login ${index + 1}`, { retryable: false });
        return outcome;
    });
}

/** A login whose online devices are needed: read them, then one statement with them. */
export async function loginSlotWithPresence(db: PooledDatabase, request: LoginSlotRequest): Promise<LoginSlotResult> {
    const online = request.onlineDeviceIds;
    const known = typeof online === 'function' ? await online() : online;
    return loginResultFromRow(await loginStatement(db, request, known), request.defaults);
}

/** Once per logout: a named statement on the pool, like `loginSlot`. */
export async function recordDisconnect(
    db: PooledDatabase,
    groupId: GroupId,
    deviceId: DeviceId,
    now: number,
): Promise<void> {
    await poolQuery(db, {
        name: 'd2m-record-disconnect',
        text: RECORD_DISCONNECT_TEXT,
        values: [groupId, deviceIdParam(deviceId), msToDb(now)],
    });
}
