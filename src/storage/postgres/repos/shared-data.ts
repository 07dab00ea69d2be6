/**
 * Repository of the `shared_device_data` table: one opaque blob per group.
 */
import type pgPromise from 'pg-promise';
import type { GroupId } from '../../types.js';
import { bytesFromDb, bytesToDb } from '../encoding.js';
import { SQL } from '../sql.js';

export class SharedDataRepository {
    readonly #db: pgPromise.IBaseProtocol<unknown>;

    public constructor(db: pgPromise.IBaseProtocol<unknown>) {
        this.#db = db;
    }

    public async get(groupId: GroupId): Promise<Uint8Array | undefined> {
        const row = await this.#db.oneOrNone<{ data: Buffer }>(SQL.sharedData.get, { groupId });
        return row === null ? undefined : bytesFromDb(row.data);
    }

    /** Needs the group's row (see DeviceGroupsRepository.lock). */
    public async set(groupId: GroupId, data: Uint8Array): Promise<void> {
        await this.#db.none(SQL.sharedData.set, { groupId, data: bytesToDb(data) });
    }
}
