/**
 * Repository of the `device_groups` table: the row that exists for every
 * group with stored state, and whose lock serialises writes to the group.
 */
import type pgPromise from 'pg-promise';
import { StorageError } from '../../../errors.js';
import type { GroupId } from '../../types.js';
import { groupIdFromDb, msToDb } from '../encoding.js';
import { SQL } from '../sql.js';

/** A concurrent `deleteGroup` may remove the row between insert and lock; then try again. */
const LOCK_ATTEMPTS = 3;

export class DeviceGroupsRepository {
    readonly #db: pgPromise.IBaseProtocol<unknown>;

    public constructor(db: pgPromise.IBaseProtocol<unknown>) {
        this.#db = db;
    }

    /**
     * Creates the group's row if needed and locks it until the surrounding
     * transaction ends (insert-or-lock). Only meaningful inside `db.tx`.
     */
    public async lock(groupId: GroupId, now: number): Promise<void> {
        for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
            await this.#db.none(SQL.deviceGroups.insertIfAbsent, { groupId, now: msToDb(now) });
            if (await this.lockExisting(groupId)) return;
        }
        throw new StorageError('device group row vanished while locking it', { retryable: true });
    }

    /** Locks the group's row when it exists; resolves whether it does. Only meaningful inside `db.tx`. */
    public async lockExisting(groupId: GroupId): Promise<boolean> {
        const rows = await this.#db.any(SQL.deviceGroups.lock, { groupId });
        return rows.length > 0;
    }

    public async delete(groupId: GroupId): Promise<void> {
        await this.#db.none(SQL.deviceGroups.delete, { groupId });
    }

    public async listWithSlots(): Promise<GroupId[]> {
        const rows = await this.#db.any<{ group_id: string }>(SQL.deviceGroups.listWithSlots);
        return rows.map((row) => groupIdFromDb(row.group_id));
    }
}
