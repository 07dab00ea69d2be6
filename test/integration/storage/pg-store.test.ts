/**
 * PostgreSQL specifics of the device group store: migrations, the per-group
 * lock across processes (two pools), the u64 device id mapping, start-up
 * checks and error mapping. The shared behaviour is in the contract suite.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import {
    DeviceSlotExpirationPolicy,
    DeviceSlotsExhaustedPolicy,
    DeviceSlotState,
    type DeviceId,
} from '../../../d2m/index.js';
import { ConfigError, StorageError } from '../../../src/errors.js';
import type { LoginSlotRequest } from '../../../src/storage/device-group-store.js';
import { closeDatabase, createDatabase, pgp, type Database } from '../../../src/storage/postgres/db.js';
import { listMigrations, migrate, pendingMigrations } from '../../../src/storage/postgres/migrate.js';
import { PgDeviceGroupStore } from '../../../src/storage/postgres/pg-device-group-store.js';
import { loadQueryFile } from '../../../src/storage/postgres/sql.js';
import { createRedisPostgresBackend } from '../../../src/storage/redis-postgres-backend.js';
import type { GroupId } from '../../../src/storage/types.js';
import { deviceId, randomGroupId, TEST_POLICY } from '../../contract/support.js';
import { freePort, getDatabaseUrl, getRedisUrl, reserveSchema } from '../../helpers/services.js';

const A = deviceId(0xa);
const B = deviceId(0xb);
const C = deviceId(0xc);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
        () => expect.fail('expected a rejection'),
        (error: unknown) => error,
    );
}

function loginRequest(groupId: GroupId, id: DeviceId, now: number, maxDeviceSlots = 6): LoginSlotRequest {
    return {
        groupId,
        deviceId: id,
        expirationPolicy: DeviceSlotExpirationPolicy.PERSISTENT,
        encryptedDeviceInfo: Uint8Array.of(1),
        expectedState: undefined,
        exhaustedPolicy: DeviceSlotsExhaustedPolicy.REJECT,
        onlineDeviceIds: new Set(),
        defaults: { ...TEST_POLICY, maxDeviceSlots },
        now,
    };
}

describe('postgres device group store', function () {
    let url: string;
    const opened: Database[] = [];

    function open(schema: string, applicationName?: string): Database {
        const db = createDatabase(url, { schema, maxConnections: 4, applicationName });
        opened.push(db);
        return db;
    }

    before(async function () {
        url = await getDatabaseUrl();
    });

    afterEach(async function () {
        await Promise.all(opened.splice(0).map((db) => closeDatabase(db)));
    });

    describe('migrations', function () {
        it('apply once into the schema and are idempotent', async function () {
            const schema = await reserveSchema();
            const db = open(schema);
            const all = listMigrations().map((migration) => migration.name);
            expect(all[0]).to.equal('0001_init.sql');
            expect(await pendingMigrations(db)).to.deep.equal(all);
            expect(await migrate(db)).to.deep.equal(all);
            expect(await migrate(db)).to.deep.equal([]);
            expect(await pendingMigrations(db)).to.deep.equal([]);
            const { count } = await db.one<{ count: number }>('SELECT count(*)::int AS count FROM schema_migrations');
            expect(count).to.equal(all.length);
            const tables = await db.map(
                'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
                [schema],
                (row: { table_name: string }) => row.table_name,
            );
            expect(tables).to.deep.equal([
                'device_groups',
                'device_slots',
                'policy_overrides',
                'schema_migrations',
                'shared_device_data',
                'tombstones',
            ]);
        });

        it('run concurrently from two processes apply each migration exactly once', async function () {
            const schema = await reserveSchema();
            const results = await Promise.all([migrate(open(schema, 'one')), migrate(open(schema, 'two'))]);
            expect(results.flat()).to.deep.equal(listMigrations().map((migration) => migration.name));
        });

        it('pending ones stop the backend from starting unless it may migrate', async function () {
            const options = { redisUrl: await getRedisUrl(), databaseUrl: url, schema: await reserveSchema() };
            const error = await rejection(createRedisPostgresBackend(options));
            expect(error).to.be.instanceOf(StorageError);
            expect((error as Error).message).to.include('mediator migrate');
            const backend = await createRedisPostgresBackend({ ...options, migrate: true });
            await backend.close();
            await (await createRedisPostgresBackend(options)).close();
        });
    });

    describe('per-group lock across processes', function () {
        let schema: string;

        before(async function () {
            schema = await reserveSchema();
            const db = createDatabase(url, { schema, maxConnections: 1 });
            await migrate(db);
            await closeDatabase(db);
        });

        it('gives the last free slot to exactly one of two pools, every time', async function () {
            const first = new PgDeviceGroupStore(open(schema, 'node-a'));
            const second = new PgDeviceGroupStore(open(schema, 'node-b'));
            const groups = Array.from({ length: 10 }, () => randomGroupId());
            await Promise.all(groups.map((groupId) => first.loginSlot(loginRequest(groupId, A, 1_000, 2))));
            const races = await Promise.all(
                groups.map((groupId) =>
                    Promise.all([
                        first.loginSlot(loginRequest(groupId, B, 2_000, 2)),
                        second.loginSlot(loginRequest(groupId, C, 2_000, 2)),
                    ]),
                ),
            );
            for (const [index, results] of races.entries()) {
                const statuses = results.map((result) => result.status).sort();
                expect(statuses, `group ${index}`).to.deep.equal(['device-limit-reached', 'ok']);
                expect(await first.listSlots(groups[index] as GroupId)).to.have.length(2);
            }
            await Promise.all(groups.map((groupId) => first.deleteGroup(groupId)));
        });

        it('creates a new group once when two pools log in its first device together', async function () {
            const first = new PgDeviceGroupStore(open(schema, 'node-a'));
            const second = new PgDeviceGroupStore(open(schema, 'node-b'));
            const groupId = randomGroupId();
            const results = await Promise.all([
                first.loginSlot(loginRequest(groupId, A, 1_000)),
                second.loginSlot(loginRequest(groupId, A, 1_000)),
            ]);
            const states = results.map((result) => (result.status === 'ok' ? result.slotState : result.status));
            expect(states.sort()).to.deep.equal([DeviceSlotState.NEW, DeviceSlotState.EXISTING]);
            await first.deleteGroup(groupId);
        });
    });

    describe('login', function () {
        let db: Database;
        let store: PgDeviceGroupStore;
        let statements: string[];
        const pgClient = pgp.pg.Client.prototype as { query: (...args: unknown[]) => unknown };
        const query = pgClient.query;

        beforeEach(async function () {
            db = createDatabase(url, { schema: await reserveSchema(), maxConnections: 1 });
            opened.push(db);
            await migrate(db);
            store = new PgDeviceGroupStore(db);
            // The pool's one connection is open and its search_path set: what follows is the login's own.
            await db.one('SELECT 1 AS one');
            statements = [];
            pgClient.query = function (this: unknown, ...args: unknown[]): unknown {
                const [config] = args;
                statements.push(typeof config === 'string' ? config : JSON.stringify(config));
                return query.apply(this, args);
            };
        });

        afterEach(function () {
            pgClient.query = query;
        });

        async function countStatements<T>(action: () => Promise<T>): Promise<[T, number]> {
            const before = statements.length;
            const result = await action();
            return [result, statements.length - before];
        }

        it('is one statement (one round trip) in every outcome', async function () {
            const groupId = randomGroupId();
            const drop = (id: DeviceId, now: number): LoginSlotRequest => ({
                ...loginRequest(groupId, id, now, 2),
                exhaustedPolicy: DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT,
            });
            const outcomes: string[] = [];
            for (const request of [
                loginRequest(groupId, A, 1_000, 2), // new group, NEW slot
                loginRequest(groupId, A, 1_001, 2), // EXISTING slot
                loginRequest(groupId, B, 1_002, 2), // the last free slot
                loginRequest(groupId, C, 1_003, 2), // refused: limit
                drop(C, 1_004), // eviction
                { ...loginRequest(groupId, B, 1_005, 2), expectedState: DeviceSlotState.NEW }, // refused: mismatch
            ]) {
                const [result, count] = await countStatements(() => store.loginSlot(request));
                outcomes.push(result.status);
                expect(count, result.status).to.equal(1);
            }
            await store.addTombstone(groupId, A, 5_000);
            const [tombstoned, count] = await countStatements(() => store.loginSlot(loginRequest(groupId, A, 2_000)));
            expect(tombstoned.status).to.equal('tombstoned');
            expect(count).to.equal(1);
            expect(outcomes).to.deep.equal(['ok', 'ok', 'ok', 'device-limit-reached', 'ok', 'slot-state-mismatch']);
            expect(statements.filter((text) => text.includes('login_slot'))).to.have.length(7);
        });

        it('is one statement without a presence read, two only when the decision needs presence', async function () {
            const groupId = randomGroupId();
            let reads = 0;
            const online = (): Promise<ReadonlySet<DeviceId>> => {
                reads += 1;
                return Promise.resolve(new Set<DeviceId>());
            };
            const lazy = (id: DeviceId, now: number): LoginSlotRequest => ({
                ...loginRequest(groupId, id, now, 2),
                onlineDeviceIds: online,
            });
            const counts: number[] = [];
            for (const request of [
                lazy(A, 1_000), // NEW slot
                lazy(B, 1_001), // NEW slot, the last free one
                lazy(A, 1_002), // reconnect
                lazy(C, 1_003), // refused: limit (nothing expired)
                { ...lazy(C, 1_004), exhaustedPolicy: DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT }, // eviction
            ]) {
                const [, count] = await countStatements(() => store.loginSlot(request));
                counts.push(count);
            }
            expect(counts).to.deep.equal([1, 1, 1, 1, 2]);
            expect(reads).to.equal(1);
        });

        it('sends the logins started together as one statement, each with its own outcome', async function () {
            const [g1, g2, g3, g4] = [randomGroupId(), randomGroupId(), randomGroupId(), randomGroupId()];
            const expiry = TEST_POLICY.persistentExpiryMs;
            // g4: a slot that counts as expired later unless its device is online (then presence is needed).
            await store.loginSlot(loginRequest(g4, A, 1_000));
            let reads = 0;
            const online = (): Promise<ReadonlySet<DeviceId>> => {
                reads += 1;
                return Promise.resolve(new Set<DeviceId>([A]));
            };
            const before = statements.length;
            const results = await Promise.allSettled([
                store.loginSlot(loginRequest(g1, A, 2_000)),
                store.loginSlot(loginRequest(g2, B, 2_000)),
                store.loginSlot({ ...loginRequest(g1, C, 2_000), expectedState: DeviceSlotState.EXISTING }),
                // The column refuses it: the batch undoes it alone; once more alone, it fails again.
                store.loginSlot({ ...loginRequest(g3, A, 2_000), expirationPolicy: 7 as DeviceSlotExpirationPolicy }),
                store.loginSlot({ ...loginRequest(g4, B, 1_000 + expiry + 1), onlineDeviceIds: online }),
            ]);
            const sent = statements.slice(before);
            expect(sent.filter((text) => text.includes('login_slots'))).to.have.length(1);
            // After the batch: the failed login alone, the one that needed presence alone with it.
            expect(sent.filter((text) => text.includes('login_slot(') && !text.includes('login_slots'))).to.have.length(
                2,
            );
            expect(reads).to.equal(1);
            expect(
                results.map((result) => (result.status === 'fulfilled' ? result.value.status : 'rejected')),
            ).to.deep.equal(['ok', 'ok', 'slot-state-mismatch', 'rejected', 'ok']);
            expect((results[3] as PromiseRejectedResult).reason).to.be.instanceOf(StorageError);
            expect((await store.listSlots(g1)).map((slot) => slot.deviceId)).to.deep.equal([A]);
            expect((await store.listSlots(g2)).map((slot) => slot.deviceId)).to.deep.equal([B]);
            expect(await store.listSlots(g3)).to.deep.equal([]);
            // A was online, so its slot did not expire.
            expect((await store.listSlots(g4)).map((slot) => slot.deviceId)).to.deep.equal([A, B]);
        });

        it('writes nothing when the statement fails halfway (one transaction)', async function () {
            const groupId = randomGroupId();
            await store.loginSlot(loginRequest(groupId, A, 1_000, 2));
            await store.loginSlot(loginRequest(groupId, B, 1_000, 2));
            // A device info the column refuses only at the very end, after the eviction's delete.
            await db.none(
                'ALTER TABLE device_slots ADD CONSTRAINT small_info CHECK (octet_length(encrypted_device_info) < 4)',
            );
            const request: LoginSlotRequest = {
                ...loginRequest(groupId, C, 2_000, 2),
                exhaustedPolicy: DeviceSlotsExhaustedPolicy.DROP_LEAST_RECENT,
                encryptedDeviceInfo: Uint8Array.of(1, 2, 3, 4),
            };
            const error = await rejection(store.loginSlot(request));
            expect(error).to.be.instanceOf(StorageError);
            expect((await store.listSlots(groupId)).map((slot) => slot.deviceId)).to.deep.equal([A, B]);
        });
    });

    describe('encoding', function () {
        let db: Database;
        let store: PgDeviceGroupStore;

        beforeEach(async function () {
            db = open(await reserveSchema());
            await migrate(db);
            store = new PgDeviceGroupStore(db);
        });

        it('stores u64 device ids as two’s complement bigint and lists them in unsigned order', async function () {
            const groupId = randomGroupId();
            const ids = [2n ** 64n - 1n, 2n ** 63n, 2n ** 63n - 1n, 0n].map((value) => deviceId(value));
            for (const id of ids) await store.loginSlot(loginRequest(groupId, id, 5));
            const raw = await db.map(
                'SELECT device_id::text AS id FROM device_slots ORDER BY device_id',
                [],
                (row: { id: string }) => row.id,
            );
            expect(raw).to.deep.equal(['-9223372036854775808', '-1', '0', '9223372036854775807']);
            // Same creation time: ordered by unsigned device id.
            expect((await store.listSlots(groupId)).map((slot) => slot.deviceId)).to.deep.equal([...ids].reverse());
            for (const id of ids) expect((await store.getSlot(groupId, id))?.deviceId).to.equal(id);
        });

        it('keeps "never" (Infinity) in policy overrides and bytes exactly', async function () {
            const groupId = randomGroupId();
            await store.setPolicyOverride(groupId, { persistentExpiryMs: Infinity, maxDeviceSlots: 2 });
            expect(await store.getPolicyOverride(groupId)).to.deep.equal({
                maxDeviceSlots: 2,
                persistentExpiryMs: Infinity,
            });
            const data = Uint8Array.from({ length: 256 }, (_, index) => index);
            await store.setSharedDeviceData(groupId, data);
            expect(await store.getSharedDeviceData(groupId)).to.deep.equal(data);
        });
    });

    describe('failures', function () {
        it('fails at load when an SQL file does not parse', function () {
            const dir = mkdtempSync(join(tmpdir(), 'd2m-sql-'));
            try {
                const file = join(dir, 'broken.sql');
                writeFileSync(file, "SELECT 'never closed");
                expect(() => loadQueryFile(pathToFileURL(file))).to.throw(StorageError, /cannot load SQL file/u);
            } finally {
                rmSync(dir, { recursive: true, force: true });
            }
        });

        it('rejects with a retryable StorageError when the server is unreachable', async function () {
            const db = createDatabase(`postgres://postgres@127.0.0.1:${await freePort()}/none`);
            opened.push(db);
            const error = await rejection(new PgDeviceGroupStore(db).getSlot(randomGroupId(), A));
            expect(error).to.be.instanceOf(StorageError);
            expect((error as StorageError).retryable).to.equal(true);
        });

        it('rejects calls after close with a non-retryable StorageError', async function () {
            const store = new PgDeviceGroupStore(createDatabase(url, { schema: await reserveSchema() }));
            await store.close();
            await store.close();
            const error = await rejection(store.listSlots(randomGroupId()));
            expect((error as StorageError).retryable).to.equal(false);
        });

        it('refuses a schema name that is not a plain identifier', function () {
            expect(() => createDatabase(url, { schema: 'x; DROP TABLE y' })).to.throw(ConfigError);
            expect(B).to.not.equal(C);
        });
    });
});
