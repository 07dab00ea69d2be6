/**
 * Group maintenance on the embedded backend with a clock the test moves:
 * renewal keeps presence alive, a renewal that comes too late never revives
 * it, and the deadline check closes a group's sessions (1013) before other
 * nodes could treat them as gone.
 */
import { expect } from 'chai';
import { CloseCode, ensureDeviceId } from '../../../d2m/index.js';
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
    public readonly registered = true;
    public closed: number | undefined;
    public constructor(public readonly connectionId: ConnectionId) {}
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
        groups = new LocalGroups(backend.coordinator, silentLogger);
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

    it('closes a session whose own presence expired before the renewal ran (never revived)', async function () {
        await maintenance.runOnce();
        clock += TTL + 1;
        await maintenance.runOnce();
        expect(member.closed).to.equal(CloseCode.TRY_AGAIN_LATER);
        expect(await ctx.backend.coordinator.listPresence(GROUP, clock)).to.deep.equal([]);
    });
});
