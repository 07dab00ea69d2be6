/**
 * Repository of the `policy_overrides` table: one nullable column per
 * SlotPolicy field; NULL falls back to the global default.
 */
import type pgPromise from 'pg-promise';
import type { GroupId, SlotPolicy, SlotPolicyOverride } from '../../types.js';
import { SQL } from '../sql.js';

/** Policy field ↔ column. */
const COLUMNS = {
    maxDeviceSlots: 'max_device_slots',
    queueMaxCount: 'queue_max_count',
    queueMaxBytes: 'queue_max_bytes',
    volatileGraceMs: 'volatile_grace_ms',
    persistentExpiryMs: 'persistent_expiry_ms',
    tombstoneTtlMs: 'tombstone_ttl_ms',
} as const satisfies Record<keyof SlotPolicy, string>;

const FIELDS = Object.keys(COLUMNS) as (keyof SlotPolicy)[];

type OverrideRow = Record<(typeof COLUMNS)[keyof SlotPolicy], number | null>;

export class PolicyOverridesRepository {
    readonly #db: pgPromise.IBaseProtocol<unknown>;

    public constructor(db: pgPromise.IBaseProtocol<unknown>) {
        this.#db = db;
    }

    /** Only the fields that are set; `{}` when the group has no override. */
    public async get(groupId: GroupId): Promise<SlotPolicyOverride> {
        const row = await this.#db.oneOrNone<OverrideRow>(SQL.policyOverrides.get, { groupId });
        const override: Partial<Record<keyof SlotPolicy, number>> = {};
        if (row === null) return override;
        for (const field of FIELDS) {
            const value = row[COLUMNS[field]];
            if (value !== null) override[field] = value;
        }
        return override;
    }

    /** Replaces the override; `{}` deletes it. Needs the group's row (see DeviceGroupsRepository.lock). */
    public async set(groupId: GroupId, override: SlotPolicyOverride): Promise<void> {
        const values: Record<string, number | null> = {};
        let any = false;
        for (const field of FIELDS) {
            const value = override[field];
            values[field] = value ?? null;
            any ||= value !== undefined;
        }
        if (!any) {
            await this.#db.none(SQL.policyOverrides.delete, { groupId });
            return;
        }
        await this.#db.none(SQL.policyOverrides.set, { groupId, ...values });
    }
}
