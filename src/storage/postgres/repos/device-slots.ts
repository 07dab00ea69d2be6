/**
 * Repository of the `device_slots` table.
 */
import type pgPromise from 'pg-promise';
import type { DeviceId, DeviceSlotExpirationPolicy } from '../../../../d2m/index.js';
import { StorageError } from '../../../errors.js';
import type { ExpiryCandidate } from '../../device-group-store.js';
import type { DeviceSlot, GroupId, SlotPolicy } from '../../types.js';
import { bytesFromDb, bytesToDb, deviceIdFromDb, deviceIdToDb, groupIdFromDb, msFromDb, msToDb } from '../encoding.js';
import { SQL } from '../sql.js';

interface SlotRow {
    readonly device_id: string;
    readonly expiration_policy: number;
    readonly encrypted_device_info: Buffer;
    readonly created_at: string;
    readonly last_login_at: string;
    readonly last_disconnect_at: string | null;
}

export interface SlotLogin {
    readonly groupId: GroupId;
    readonly deviceId: DeviceId;
    readonly expirationPolicy: DeviceSlotExpirationPolicy;
    readonly encryptedDeviceInfo: Uint8Array;
    readonly now: number;
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

    /** Creates the slot or refreshes it for a login (keeps `createdAt` and `lastDisconnectAt`). */
    public async upsertLogin(login: SlotLogin): Promise<void> {
        await this.#db.none(SQL.deviceSlots.upsertLogin, {
            groupId: login.groupId,
            deviceId: deviceIdToDb(login.deviceId),
            expirationPolicy: login.expirationPolicy,
            encryptedDeviceInfo: bytesToDb(login.encryptedDeviceInfo),
            now: msToDb(login.now),
        });
    }

    /** Resolves whether the slot existed. */
    public async delete(groupId: GroupId, deviceId: DeviceId): Promise<boolean> {
        const params = { groupId, deviceId: deviceIdToDb(deviceId) };
        return (await this.#db.result(SQL.deviceSlots.delete, params)).rowCount > 0;
    }

    public async deleteMany(groupId: GroupId, deviceIds: readonly DeviceId[]): Promise<void> {
        if (deviceIds.length === 0) return;
        await this.#db.none(SQL.deviceSlots.deleteMany, { groupId, deviceIds: deviceIds.map(deviceIdToDb) });
    }

    public async recordDisconnect(groupId: GroupId, deviceId: DeviceId, now: number): Promise<void> {
        await this.#db.none(SQL.deviceSlots.recordDisconnect, {
            groupId,
            deviceId: deviceIdToDb(deviceId),
            now: msToDb(now),
        });
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
