/**
 * Group maintenance on the embedded backend with a clock the test moves:
 * renewal keeps presence alive, a renewal that comes too late never revives
 * it, and the deadline check closes a group's sessions (1013) before other
 * nodes could treat them as gone.
 */
import { expect } from 'chai';
import { CloseCode, ensureDeviceId, type DeviceId } from '../../../d2m/index.js';
import { buildConfig } from '../../../src/config/config.js';
import { silentLogger } from '../../../src/log/logger.js';
import { GroupMaintenance, type MaintenancePorts } from '../../../src/mediator/group-maintenance.js';
import { LocalGroups, type GroupMember } from '../../../src/mediator/local-groups.js';
import { NOOP_MEDIATOR_METRICS } from '../../../src/metrics/hooks.js';
import { createMemoryBackend, type MemoryBackend } from '../../../src/storage/memory-backend.js';
import type { ConnectionId, GroupId } from '../../../src/storage/types.js';

const TTL = 3_000;
const INTERVAL = 1_000;
const GROUP = 'ab'.repeat(32) as GroupId;

class Member implements GroupMember {
    public closed: number | undefined;
    public constructor(
        public readonly connectionId: ConnectionId,
        public readonly registered = true,
    ) {}
    public onGroupEvent(): void {}
    public close(code: number): void {
        this.closed ??= code;
    }
}

describe('group maintenance (presence deadlines)', function () {
    let clock: number;
    let ctx: MaintenancePorts & { readonly backend: MemoryBackend };
    let groups: LocalGroups;
    let maintenance: GroupMaintenance;
    let member: Member;

    beforeEach(async function () {
        clock = 1_700_000_000_000;
        const backend = createMemoryBackend();
        ctx = {
            backend,
            config: buildConfig({ presenceTtlMs: TTL, presenceRenewIntervalMs: INTERVAL }),
            nodeId: 'node-1',
            logger: silentLogger,
            metrics: NOOP_MEDIATOR_METRICS,
            now: () => clock,
        };
        groups = new LocalGroups(backend.coordinator, silentLogger, () => clock);
        maintenance = new GroupMaintenance(ctx, groups);
        member = new Member('c1');
        await groups.attach(GROUP, member);
        await backend.coordinator.register(GROUP, {
            deviceId: ensureDeviceId(1n),
            connectionId: member.connectionId,
            nodeId: 'node-1',
            connectedSince: clock,
            expiresAt: clock + TTL,
        });
    });

    afterEach(async function () {
        await ctx.backend.close();
    });

    it('keeps sessions whose renewals come on time', async function () {
        for (let tick = 0; tick < 10; tick++) {
            maintenance.enforceDeadlines();
            await maintenance.runOnce();
            clock += INTERVAL;
        }
        expect(member.closed).to.equal(undefined);
        expect((await ctx.backend.coordinator.listPresence(GROUP, clock)).length).to.equal(1);
    });

    it('closes the sessions with 1013 once the last renewal is older than TTL minus one interval', async function () {
        await maintenance.runOnce();
        clock += TTL - INTERVAL - 1;
        maintenance.enforceDeadlines();
        expect(member.closed).to.equal(undefined);
        clock += 1;
        maintenance.enforceDeadlines();
        expect(member.closed).to.equal(CloseCode.TRY_AGAIN_LATER);
    });

    it('delivers reflections still held for a lock that ended without releasing them (sweep)', async function () {
        const { coordinator, queue } = ctx.backend;
        const [holder, other, receiver] = [1n, 2n, 3n].map((id) => ensureDeviceId(id)) as [
            DeviceId,
            DeviceId,
            DeviceId,
        ];
        await queue.addSlot(GROUP, receiver);
        const first = await coordinator.beginTransaction(GROUP, {
            deviceId: holder,
            connectionId: 'c-holder',
            encryptedScope: new Uint8Array(1),
            ttlMs: 1_000,
            now: clock,
        });
        if (first.status !== 'acquired') expect.fail('lock not acquired');
        const limits = { maxCount: 10, maxBytes: 1_000 };
        const held = { groupId: GROUP, senderDeviceId: holder, flags: 0, limits, hold: first.lock.token };
        await queue.append({ ...held, envelope: Uint8Array.of(1), timestamp: clock });
        // The holder's node died; after the expiry another device takes the lock over directly.
        clock += 1_000;
        const second = await coordinator.beginTransaction(GROUP, {
            deviceId: other,
            connectionId: 'c-other',
            encryptedScope: new Uint8Array(1),
            ttlMs: 60_000,
            now: clock,
        });
        expect(second.status).to.equal('acquired');
        expect(await queue.read(GROUP, receiver, 0, 10, 1_000)).to.deep.equal([]);
        await maintenance.runOnce();
        const items = await queue.read(GROUP, receiver, 0, 10, 1_000);
        expect(items.map((item) => [...item.envelope])).to.deep.equal([[1]]);
        expect(await queue.staleHeldTokens(GROUP, clock)).to.deep.equal([]);
    });

    it('gives a session a deadline from its login, before its group was ever renewed here (a node paused after a login)', function () {
        // No renewal has run: the node paused right after the login.
        clock += TTL - INTERVAL - 1;
        maintenance.enforceDeadlines();
        expect(member.closed).to.equal(undefined);
        clock += 1;
        maintenance.enforceDeadlines();
        expect(member.closed).to.equal(CloseCode.TRY_AGAIN_LATER);
    });

    it('keeps the login deadline when the group’s first renewal here fails', async function () {
        ctx.backend.coordinator.renewPresence = () => Promise.reject(new Error('storage down'));
        clock += INTERVAL;
        await maintenance.runOnce();
        expect(member.closed).to.equal(undefined);
        clock += TTL - 2 * INTERVAL;
        maintenance.enforceDeadlines();
        expect(member.closed).to.equal(CloseCode.TRY_AGAIN_LATER);
    });

    it('counts a session that logged in after the last renewal from its own login', async function () {
        await maintenance.runOnce();
        clock += TTL - INTERVAL - 10;
        const later = new Member('c2');
        await groups.attach(GROUP, later);
        clock += 10;
        maintenance.enforceDeadlines();
        expect(member.closed).to.equal(CloseCode.TRY_AGAIN_LATER);
        expect(later.closed).to.equal(undefined);
        clock += TTL - INTERVAL - 10;
        maintenance.enforceDeadlines();
        expect(later.closed).to.equal(CloseCode.TRY_AGAIN_LATER);
    });

    it('keeps idle sessions at the smallest accepted TTL (3 intervals) while the timer ticks late', async function () {
        expect(() => buildConfig({ presenceTtlMs: 3 * INTERVAL - 1, presenceRenewIntervalMs: INTERVAL })).to.throw(
            'presenceTtlMs must be at least three times presenceRenewIntervalMs',
        );
        ctx = { ...ctx, config: buildConfig({ presenceTtlMs: 3 * INTERVAL, presenceRenewIntervalMs: INTERVAL }) };
        maintenance = new GroupMaintenance(ctx, groups);
        // The interval timer fires four times per interval, each tick up to 40 % of a quarter late, and
        // every renewal takes a further 200 ms to answer: the deadline check still never fires.
        for (let tick = 0; tick < 200; tick++) {
            clock += INTERVAL / 4 + (tick % 3 === 0 ? 100 : 20);
            maintenance.enforceDeadlines();
            if (tick % 4 === 0) {
                const renewal = maintenance.runOnce();
                clock += 200;
                maintenance.enforceDeadlines();
                await renewal;
            }
        }
        expect(member.closed).to.equal(undefined);
        expect((await ctx.backend.coordinator.listPresence(GROUP, clock)).length).to.equal(1);
    });

    it('answers whether a session lapsed at the moment it asks, before any timer ran (frame and write path)', async function () {
        expect(maintenance.lapsed(GROUP, member.connectionId)).to.equal(false);
        clock += TTL - INTERVAL;
        // No deadline check ran (a stalled or loaded node): the session's own question still says so.
        expect(maintenance.lapsed(GROUP, member.connectionId)).to.equal(true);
        expect(maintenance.lapsed(GROUP, 'not-attached')).to.equal(false);
        clock -= 1;
        await maintenance.runOnce();
        clock += TTL - INTERVAL - 1;
        expect(maintenance.lapsed(GROUP, member.connectionId)).to.equal(false);
        clock += 1;
        expect(maintenance.lapsed(GROUP, member.connectionId)).to.equal(true);
    });

    it('does not extend the deadline of a session that a renewal pass did not name (it logged in during the pass)', async function () {
        const later = new Member('c2', false);
        await groups.attach(GROUP, later);
        clock += INTERVAL;
        // The pass renews the group while `later` is still logging in: it names only `member`.
        await maintenance.runOnce();
        clock += TTL - 2 * INTERVAL;
        expect(maintenance.lapsed(GROUP, member.connectionId)).to.equal(false);
        expect(maintenance.lapsed(GROUP, later.connectionId)).to.equal(true);
    });

    it('closes a session whose own presence expired before the renewal ran (never revived)', async function () {
        await maintenance.runOnce();
        clock += TTL + 1;
        await maintenance.runOnce();
        expect(member.closed).to.equal(CloseCode.TRY_AGAIN_LATER);
        expect(await ctx.backend.coordinator.listPresence(GROUP, clock)).to.deep.equal([]);
    });
});
