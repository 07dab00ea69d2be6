/**
 * DeviceGroupStore on PostgreSQL. Every write runs in a transaction that
 * first locks the group's `device_groups` row (creating it if needed), so
 * writes to one group are serialised across all mediator processes while
 * other groups proceed in parallel. `loginSlot` is one statement, the
 * `login_slot` function (migrations/0002_login_slot_function.sql), which
 * takes the same lock and reads, decides and writes under it in the
 * statement's transaction: one round trip per login. A decision that
 * refuses the login writes nothing but the group row. The logins that
 * callers start during one event-loop turn (a reconnect storm brings many)
 * go out together as one statement, `login_slots` (migrations/0004), each
 * in its own subtransaction; a login of the batch that needs the online
 * devices, or failed there, is then done alone as a lone login is.
 */
import type { DeviceId } from '../../../d2m/index.js';
import { StorageError } from '../../errors.js';
import type { DeviceGroupStore, ExpiryCandidate, LoginSlotRequest, LoginSlotResult } from '../device-group-store.js';
import type { DeviceSlot, GroupId, SlotPolicy, SlotPolicyOverride } from '../types.js';
import { closeDatabase, type Database } from './db.js';
import { toPgStorageError } from './errors.js';
import { TurnBatches } from '../turn-batches.js';
import { loginSlot, loginSlots, loginSlotWithPresence, recordDisconnect } from './repos/device-slots.js';

const EMPTY_BYTES = new Uint8Array(0);
/**
 * Logins per `login_slots` statement at most. Each runs in a subtransaction of
 * its own; PostgreSQL keeps up to 64 subtransaction ids of a running
 * transaction in shared memory, beyond which other sessions' visibility
 * checks read them from disk while it runs: a batch stays well below that.
 */
export const MAX_BATCHED_LOGINS = 32;

interface WaitingLogin {
    readonly request: LoginSlotRequest;
    readonly resolve: (result: LoginSlotResult) => void;
    readonly reject: (error: unknown) => void;
}

function sameDefaults(a: LoginSlotRequest, b: LoginSlotRequest): boolean {
    return (
        a.defaults.maxDeviceSlots === b.defaults.maxDeviceSlots &&
        a.defaults.volatileGraceMs === b.defaults.volatileGraceMs &&
        a.defaults.persistentExpiryMs === b.defaults.persistentExpiryMs
    );
}

export class PgDeviceGroupStore implements DeviceGroupStore {
    readonly #db: Database;
    #closed = false;
    /** Logins started during one event-loop turn: runs of up to MAX_BATCHED_LOGINS with the same defaults. */
    readonly #logins = new TurnBatches<WaitingLogin>(
        (run) => {
            if (run.length === 1) this.#loginAlone(run[0]!.request).then(run[0]!.resolve, run[0]!.reject);
            else void this.#loginMany(run);
        },
        (run, next) => run.length < MAX_BATCHED_LOGINS && sameDefaults(run[0]!.request, next.request),
    );

    /** The store owns the database: `close` ends its pool. */
    public constructor(db: Database) {
        this.#db = db;
    }

    public loginSlot(request: LoginSlotRequest): Promise<LoginSlotResult> {
        if (this.#closed) return this.#loginAlone(request);
        return new Promise((resolve, reject) => this.#logins.add({ request, resolve, reject }));
    }

    #loginAlone(request: LoginSlotRequest): Promise<LoginSlotResult> {
        return this.#call('loginSlot', (db) => loginSlot(db, request));
    }

    async #loginMany(logins: readonly WaitingLogin[]): Promise<void> {
        let outcomes: Awaited<ReturnType<typeof loginSlots>>;
        try {
            outcomes = await this.#call('loginSlot', (db) =>
                loginSlots(
                    db,
                    logins.map((login) => login.request),
                ),
            );
        } catch (error) {
            for (const login of logins) login.reject(error);
            return;
        }
        for (let index = 0; index < logins.length; index++) {
            const login = logins[index]!;
            const outcome = outcomes[index]!;
            if (outcome.kind === 'done') {
                login.resolve(outcome.result);
            } else if (outcome.kind === 'presence-needed') {
                this.#call('loginSlot', (db) => loginSlotWithPresence(db, login.request)).then(
                    login.resolve,
                    login.reject,
                );
            } else {
                // Failed inside the batch (a deadlock, a lost lock race, ...): once more alone, which
                // answers its own outcome or error.
                this.#loginAlone(login.request).then(login.resolve, login.reject);
            }
        }
    }

    public recordDisconnect(groupId: GroupId, deviceId: DeviceId, now: number): Promise<void> {
        return this.#call('recordDisconnect', (db) => recordDisconnect(db, groupId, deviceId, now));
    }

    public getSlot(groupId: GroupId, deviceId: DeviceId): Promise<DeviceSlot | undefined> {
        return this.#call('getSlot', (db) => db.slots.get(groupId, deviceId));
    }

    public listSlots(groupId: GroupId): Promise<readonly DeviceSlot[]> {
        return this.#call('listSlots', (db) => db.slots.listByGroup(groupId));
    }

    public dropSlot(groupId: GroupId, deviceId: DeviceId): Promise<boolean> {
        return this.#call('dropSlot', (db) =>
            db.tx('dropSlot', async (t) => {
                // No group row: neither slot nor tombstone can exist.
                if (!(await t.groups.lockExisting(groupId))) return false;
                await t.tombstones.delete(groupId, deviceId);
                return t.slots.delete(groupId, deviceId);
            }),
        );
    }

    public addTombstone(groupId: GroupId, deviceId: DeviceId, expiresAt: number): Promise<void> {
        return this.#call('addTombstone', (db) =>
            db.tx('addTombstone', async (t) => {
                await t.groups.lock(groupId, Date.now());
                await t.slots.delete(groupId, deviceId);
                await t.tombstones.upsert(groupId, deviceId, expiresAt);
            }),
        );
    }

    public getSharedDeviceData(groupId: GroupId): Promise<Uint8Array> {
        return this.#call(
            'getSharedDeviceData',
            async (db) => (await db.sharedData.get(groupId)) ?? EMPTY_BYTES.slice(),
        );
    }

    public setSharedDeviceData(groupId: GroupId, data: Uint8Array): Promise<void> {
        return this.#call('setSharedDeviceData', (db) =>
            db.tx('setSharedDeviceData', async (t) => {
                await t.groups.lock(groupId, Date.now());
                await t.sharedData.set(groupId, data);
            }),
        );
    }

    public getPolicyOverride(groupId: GroupId): Promise<SlotPolicyOverride> {
        return this.#call('getPolicyOverride', (db) => db.policies.get(groupId));
    }

    public setPolicyOverride(groupId: GroupId, override: SlotPolicyOverride): Promise<void> {
        return this.#call('setPolicyOverride', (db) =>
            db.tx('setPolicyOverride', async (t) => {
                await t.groups.lock(groupId, Date.now());
                await t.policies.set(groupId, override);
            }),
        );
    }

    public listExpiryCandidates(now: number, defaults: SlotPolicy, limit: number): Promise<readonly ExpiryCandidate[]> {
        return this.#call('listExpiryCandidates', (db) =>
            db.task('listExpiryCandidates', async (t) => {
                await t.tombstones.purgeExpired(now);
                return t.slots.expiryCandidates(now, defaults, limit);
            }),
        );
    }

    public listGroups(): Promise<readonly GroupId[]> {
        return this.#call('listGroups', (db) => db.groups.listWithSlots());
    }

    public deleteGroup(groupId: GroupId): Promise<void> {
        return this.#call('deleteGroup', (db) => db.groups.delete(groupId));
    }

    public async close(): Promise<void> {
        if (this.#closed) return;
        this.#closed = true;
        await closeDatabase(this.#db);
    }

    async #call<T>(what: string, operation: (db: Database) => Promise<T>): Promise<T> {
        if (this.#closed) throw new StorageError('device group store is closed', { retryable: false });
        try {
            return await operation(this.#db);
        } catch (error) {
            throw toPgStorageError(`device group store ${what}`, error);
        }
    }
}
