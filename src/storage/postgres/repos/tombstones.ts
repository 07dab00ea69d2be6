/**
 * Repository of the `tombstones` table: slots dropped for overflowing their
 * queue, refusing logins (4114) until `expires_at`.
 */
import type pgPromise from 'pg-promise';
import type { DeviceId } from '../../../../d2m/index.js';
import type { GroupId } from '../../types.js';
import { deviceIdToDb, msToDb } from '../encoding.js';
import { SQL } from '../sql.js';

export class TombstonesRepository {
    readonly #db: pgPromise.IBaseProtocol<unknown>;

    public constructor(db: pgPromise.IBaseProtocol<unknown>) {
        this.#db = db;
    }

    /** Needs the group's row (see DeviceGroupsRepository.lock). */
    public async upsert(groupId: GroupId, deviceId: DeviceId, expiresAt: number): Promise<void> {
        await this.#db.none(SQL.tombstones.upsert, {
            groupId,
            deviceId: deviceIdToDb(deviceId),
            expiresAt: msToDb(expiresAt),
        });
    }

    public async delete(groupId: GroupId, deviceId: DeviceId): Promise<void> {
        await this.#db.none(SQL.tombstones.delete, { groupId, deviceId: deviceIdToDb(deviceId) });
    }

    public async purgeExpired(now: number): Promise<void> {
        await this.#db.none(SQL.tombstones.purgeExpired, { now: msToDb(now) });
    }
}
