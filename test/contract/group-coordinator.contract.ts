/**
 * The GroupCoordinator contract (src/storage/group-coordinator.ts), written
 * once and run against every backend. Events are awaited with timeouts;
 * nothing relies on delivery being synchronous or on a fixed delay.
 */
import { expect } from 'chai';
import { CloseCode, type DeviceId } from '../../d2m/index.js';
import type { GroupCoordinator, GroupEvent, Presence } from '../../src/storage/group-coordinator.js';
import type { ConnectionId, GroupId } from '../../src/storage/types.js';
import { bytes, deviceId, hex, useBackend, type BackendFactory, type EventRecorder } from './support.js';

const A = deviceId(0xa1);
const B = deviceId(0xb2);
const C = deviceId(0xc3);

const TTL_MS = 30_000;
/** How long registered presence stays alive in these tests (far beyond any test). */
const LIVE_MS = 3_600_000;

/** Tokens are decimal integers in every backend; compared as such. */
function tokenValue(token: string): bigint {
    return BigInt(token);
}

export function groupCoordinatorContract(name: string, factory: BackendFactory): void {
    describe(`${name}: GroupCoordinator contract`, function () {
        const context = useBackend(factory);
        const coordinator = (): GroupCoordinator => context.backend().coordinator;
        let t0: number;
        let group: GroupId;
        let recorder: EventRecorder;

        beforeEach(async function () {
            t0 = Date.now();
            group = context.groupId();
            recorder = await context.recorder(group);
        });

        /** A connection id unique to this test, so a shared Redis never mixes tests. */
        function conn(label: string): ConnectionId {
            return `${group.slice(0, 12)}/${label}`;
        }

        function register(device: DeviceId, connectionId: ConnectionId, connectedSince = t0) {
            return coordinator().register(group, {
                deviceId: device,
                connectionId,
                nodeId: 'node-1',
                connectedSince,
                expiresAt: t0 + LIVE_MS,
            });
        }

        /** Registers a connection that may become leader. */
        async function eligible(
            device: DeviceId,
            connectionId: ConnectionId,
            connectedSince: number,
            proxyActive = false,
        ) {
            await register(device, connectionId, connectedSince);
            await coordinator().updatePresence(group, device, connectionId, { eligible: true, proxyActive });
        }

        function begin(device: DeviceId, connectionId: ConnectionId, now = t0, scope = bytes(1, 2, 3)) {
            return coordinator().beginTransaction(group, {
                deviceId: device,
                connectionId,
                encryptedScope: scope,
                ttlMs: TTL_MS,
                now,
            });
        }

        async function eventsAfterFlush(): Promise<GroupEvent[]> {
            await recorder.flush();
            return recorder.withoutMarkers();
        }

        describe('presence', function () {
            it('registers a connection with both leader flags off', async function () {
                expect(await register(A, conn('a1'))).to.deep.equal({ replaced: undefined });
                await register(B, conn('b1'), t0 + 5);
                const presence = [...(await coordinator().listPresence(group, t0))].sort((x, y) =>
                    x.deviceId < y.deviceId ? -1 : 1,
                );
                expect(presence).to.deep.equal([
                    {
                        deviceId: A,
                        connectionId: conn('a1'),
                        nodeId: 'node-1',
                        connectedSince: t0,
                        expiresAt: t0 + LIVE_MS,
                        eligible: false,
                        proxyActive: false,
                    },
                    {
                        deviceId: B,
                        connectionId: conn('b1'),
                        nodeId: 'node-1',
                        connectedSince: t0 + 5,
                        expiresAt: t0 + LIVE_MS,
                        eligible: false,
                        proxyActive: false,
                    },
                ]);
                expect(await eventsAfterFlush()).to.deep.equal([]);
            });

            it('replaces an older connection of the same device and kicks it with 4112', async function () {
                await register(A, conn('a1'));
                await coordinator().updatePresence(group, A, conn('a1'), { eligible: true });
                const { replaced } = await register(A, conn('a2'), t0 + 10);
                expect(replaced).to.deep.equal({
                    deviceId: A,
                    connectionId: conn('a1'),
                    nodeId: 'node-1',
                    connectedSince: t0,
                    expiresAt: t0 + LIVE_MS,
                    eligible: true,
                    proxyActive: false,
                } satisfies Presence);
                const presence = await coordinator().listPresence(group, t0);
                expect(presence.map((entry) => entry.connectionId)).to.deep.equal([conn('a2')]);
                expect(presence[0]?.eligible).to.equal(false);
                expect(await eventsAfterFlush()).to.deep.equal([
                    { type: 'kick', deviceId: A, connectionId: conn('a1'), code: CloseCode.DUPLICATE_CONNECTION },
                ]);
                expect(CloseCode.DUPLICATE_CONNECTION).to.equal(4112);
            });

            it('unregisters only the named connection', async function () {
                await register(A, conn('a1'));
                await register(A, conn('a2'));
                await register(B, conn('b1'));
                expect(await coordinator().unregister(group, A, conn('a1'))).to.equal(false);
                expect(await coordinator().unregister(group, A, conn('b1'))).to.equal(false);
                expect(
                    (await coordinator().listPresence(group, t0)).map((entry) => entry.connectionId).sort(),
                ).to.deep.equal([conn('a2'), conn('b1')].sort());
                expect(await coordinator().unregister(group, A, conn('a2'))).to.equal(true);
                expect(await coordinator().unregister(group, A, conn('a2'))).to.equal(false);
                expect(await coordinator().unregister(context.groupId(), B, conn('b1'))).to.equal(false);
                expect((await coordinator().listPresence(group, t0)).map((entry) => entry.connectionId)).to.deep.equal([
                    conn('b1'),
                ]);
            });

            it('updates the flags of the current connection only', async function () {
                await register(A, conn('a1'));
                await coordinator().updatePresence(group, A, conn('a1'), { eligible: true });
                await coordinator().updatePresence(group, A, conn('a1'), { proxyActive: true });
                await coordinator().updatePresence(group, A, conn('other'), { eligible: false, proxyActive: false });
                await coordinator().updatePresence(group, B, conn('b1'), { eligible: true });
                const presence = await coordinator().listPresence(group, t0);
                expect(presence).to.have.length(1);
                expect(presence[0]).to.deep.include({ connectionId: conn('a1'), eligible: true, proxyActive: true });
            });
        });

        describe('liveness', function () {
            /** Registers a connection of `node` alive until `expiresAt`. */
            async function registerOn(
                device: DeviceId,
                connectionId: ConnectionId,
                node: string,
                expiresAt: number,
                connectedSince = t0,
            ) {
                await coordinator().register(group, {
                    deviceId: device,
                    connectionId,
                    nodeId: node,
                    connectedSince,
                    expiresAt,
                });
                await coordinator().updatePresence(group, device, connectionId, { eligible: true });
            }

            it('treats presence past its expiry as absent in listPresence and electLeader', async function () {
                await registerOn(A, conn('a'), 'node-1', t0 + 1000, t0 + 5);
                await registerOn(B, conn('b'), 'node-2', t0 + 5000, t0);
                expect((await coordinator().listPresence(group, t0)).map((p) => p.connectionId).sort()).to.deep.equal(
                    [conn('a'), conn('b')].sort(),
                );
                expect((await coordinator().listPresence(group, t0 + 1000)).map((p) => p.connectionId)).to.deep.equal([
                    conn('b'),
                ]);
                // At t0 the most recent (A) leads; once A's node stopped renewing, B takes over.
                expect(await coordinator().electLeader(group, t0)).to.deep.include({ connectionId: conn('a') });
                expect(await coordinator().electLeader(group, t0 + 2000)).to.deep.include({ connectionId: conn('b') });
            });

            it('renews the named connections of the node and deletes presence of dead nodes', async function () {
                await registerOn(A, conn('a'), 'node-1', t0 + 1000, t0 + 5);
                await registerOn(B, conn('b'), 'node-2', t0 + 2000, t0);
                expect(await coordinator().electLeader(group, t0)).to.deep.include({ connectionId: conn('a') });
                // node-2 renews its connection (and names one it no longer has) after node-1 died.
                const renewed = await coordinator().renewPresence(
                    group,
                    'node-2',
                    [conn('b'), conn('gone')],
                    t0 + 9000,
                    t0 + 1500,
                );
                expect(renewed).to.deep.equal({ missing: [conn('gone')], leaderLost: true });
                expect(await coordinator().getLeader(group)).to.equal(undefined);
                const live = await coordinator().listPresence(group, t0 + 1500);
                expect(live.map((p) => [p.connectionId, p.expiresAt])).to.deep.equal([[conn('b'), t0 + 9000]]);
                // A connection of another node is not renewed by this one.
                expect(
                    await coordinator().renewPresence(group, 'node-1', [conn('b')], t0 + 20_000, t0 + 1500),
                ).to.deep.equal({ missing: [conn('b')], leaderLost: false });
                expect(await coordinator().electLeader(group, t0 + 1500)).to.deep.include({ connectionId: conn('b') });
                const events = await eventsAfterFlush();
                expect(
                    events.filter((event) => event.type === 'promoted').map((event) => event.connectionId),
                ).to.deep.equal([conn('a'), conn('b')]);
            });

            it('never revives an expired presence, not even for its own node (a late renewal reports it missing)', async function () {
                await registerOn(A, conn('a'), 'node-1', t0 + 1000, t0 + 5);
                await registerOn(B, conn('b'), 'node-2', t0 + 5000, t0);
                expect(await coordinator().electLeader(group, t0)).to.deep.include({ connectionId: conn('a') });
                // node-1 renews too late: another node may already have promoted someone else.
                const late = await coordinator().renewPresence(group, 'node-1', [conn('a')], t0 + 3000, t0 + 1200);
                expect(late).to.deep.equal({ missing: [conn('a')], leaderLost: true });
                const live = await coordinator().listPresence(group, t0 + 1200);
                expect(live.map((p) => p.connectionId)).to.deep.equal([conn('b')]);
                expect(await coordinator().electLeader(group, t0 + 1200)).to.deep.include({ connectionId: conn('b') });
            });

            it('keeps an expired lock readable through getLockRecord until it is ended', async function () {
                const acquired = await begin(A, conn('a'), t0);
                expect(acquired.status).to.equal('acquired');
                expect(await coordinator().getTransaction(group, t0 + TTL_MS)).to.equal(undefined);
                const record = await coordinator().getLockRecord(group);
                expect(record?.connectionId).to.equal(conn('a'));
                expect(record?.expiresAt).to.equal(t0 + TTL_MS);
                expect(await coordinator().endTransaction(group, conn('a'), record?.token)).to.deep.include({
                    connectionId: conn('a'),
                });
                expect(await coordinator().getLockRecord(group)).to.equal(undefined);
            });
        });

        describe('transaction lock', function () {
            it('grants a free lock with a token, and reports it', async function () {
                const result = await begin(A, conn('a1'), t0, bytes(9, 9));
                if (result.status !== 'acquired') expect.fail(`expected acquired, got ${result.status}`);
                expect(result.lock).to.deep.include({ deviceId: A, connectionId: conn('a1'), expiresAt: t0 + TTL_MS });
                expect(hex(result.lock.encryptedScope)).to.equal('0909');
                expect(result.lock.token).to.be.a('string');
                const current = await coordinator().getTransaction(group, t0 + 1);
                expect(current).to.deep.include({ deviceId: A, connectionId: conn('a1'), token: result.lock.token });
                expect(hex(current?.encryptedScope ?? bytes())).to.equal('0909');
            });

            it('rejects other connections with the holder, and tells the holder it already holds it', async function () {
                const granted = await begin(A, conn('a1'), t0, bytes(7));
                if (granted.status !== 'acquired') expect.fail('expected acquired');
                const rejected = await begin(B, conn('b1'), t0 + 1, bytes(8));
                if (rejected.status !== 'rejected') expect.fail(`expected rejected, got ${rejected.status}`);
                expect(rejected.holder).to.deep.include({
                    deviceId: A,
                    connectionId: conn('a1'),
                    token: granted.lock.token,
                });
                expect(hex(rejected.holder.encryptedScope)).to.equal('07');
                // Another connection of the holder's device is another connection.
                expect((await begin(A, conn('a2'), t0 + 1)).status).to.equal('rejected');
                const again = await begin(A, conn('a1'), t0 + 2);
                if (again.status !== 'already-holder') expect.fail(`expected already-holder, got ${again.status}`);
                expect(again.lock.token).to.equal(granted.lock.token);
            });

            it('counts an expired lock as free', async function () {
                const granted = await begin(A, conn('a1'), t0);
                if (granted.status !== 'acquired') expect.fail('expected acquired');
                const later = t0 + TTL_MS + 1;
                expect(await coordinator().getTransaction(group, later)).to.equal(undefined);
                const next = await begin(B, conn('b1'), later);
                if (next.status !== 'acquired') expect.fail(`expected acquired, got ${next.status}`);
                expect(tokenValue(next.lock.token) > tokenValue(granted.lock.token)).to.equal(true);
                expect(next.lock.expiresAt).to.equal(later + TTL_MS);
            });

            it('issues a larger token with every grant', async function () {
                let previous: bigint | undefined;
                for (const [index, device] of [A, B, C, A].entries()) {
                    const connectionId = conn(`c${index}`);
                    const result = await begin(device, connectionId, t0 + index);
                    if (result.status !== 'acquired') expect.fail(`grant ${index}: ${result.status}`);
                    const token = tokenValue(result.lock.token);
                    if (previous !== undefined) expect(token > previous, `grant ${index}`).to.equal(true);
                    previous = token;
                    expect(await coordinator().endTransaction(group, connectionId)).to.not.equal(undefined);
                }
            });

            it('is released only by its holder (and token), publishing transaction-ended once', async function () {
                const granted = await begin(A, conn('a1'), t0, bytes(4, 2));
                if (granted.status !== 'acquired') expect.fail('expected acquired');
                expect(await coordinator().endTransaction(group, conn('b1'))).to.equal(undefined);
                expect(await coordinator().endTransaction(group, conn('a1'), `${granted.lock.token}0`)).to.equal(
                    undefined,
                );
                expect(await coordinator().getTransaction(group, t0 + 1)).to.not.equal(undefined);
                expect(await eventsAfterFlush()).to.deep.equal([]);

                const released = await coordinator().endTransaction(group, conn('a1'), granted.lock.token);
                expect(released).to.deep.include({ deviceId: A, connectionId: conn('a1'), token: granted.lock.token });
                expect(await coordinator().endTransaction(group, conn('a1'))).to.equal(undefined);
                expect(await coordinator().getTransaction(group, t0 + 1)).to.equal(undefined);
                const events = await eventsAfterFlush();
                expect(events).to.have.length(1);
                const [ended] = events;
                if (ended?.type !== 'transaction-ended') expect.fail(`expected transaction-ended, got ${ended?.type}`);
                expect(ended.deviceId).to.equal(A);
                expect(ended.connectionId).to.equal(conn('a1'));
                expect(hex(ended.encryptedScope)).to.equal('0402');
                expect((await begin(B, conn('b1'), t0 + 2)).status).to.equal('acquired');
            });

            it('fences a commit: ending under a token that lost the lock resolves undefined and changes nothing', async function () {
                const first = await begin(A, conn('a1'), t0);
                if (first.status !== 'acquired') expect.fail('expected acquired');
                // The lock expired and B took it over: A's late commit must not succeed.
                const later = t0 + TTL_MS + 1;
                const second = await begin(B, conn('b1'), later);
                if (second.status !== 'acquired') expect.fail('expected acquired');
                expect(await coordinator().endTransaction(group, conn('a1'), first.lock.token)).to.equal(undefined);
                expect(await coordinator().getTransaction(group, later)).to.deep.include({ token: second.lock.token });
                expect(await eventsAfterFlush()).to.deep.equal([]);
                // An expired lock nobody took over is still its holder's to end (nobody else held it meanwhile).
                const third = await begin(C, conn('c1'), later + TTL_MS + 1);
                if (third.status !== 'acquired') expect.fail('expected acquired');
                expect(await coordinator().endTransaction(group, conn('c1'), third.lock.token)).to.deep.include({
                    token: third.lock.token,
                });
            });

            it('is released by its holder without a token', async function () {
                await begin(A, conn('a1'));
                expect(await coordinator().endTransaction(group, conn('a1'))).to.deep.include({ deviceId: A });
                await recorder.waitFor((event) => event.type === 'transaction-ended');
            });

            it('is kept per group', async function () {
                const other = context.groupId();
                await begin(A, conn('a1'));
                const result = await coordinator().beginTransaction(other, {
                    deviceId: B,
                    connectionId: conn('b1'),
                    encryptedScope: bytes(),
                    ttlMs: TTL_MS,
                    now: t0,
                });
                expect(result.status).to.equal('acquired');
                expect(await coordinator().endTransaction(other, conn('b1'))).to.not.equal(undefined);
            });
        });

        describe('leader', function () {
            it('elects nobody while no connection is eligible', async function () {
                expect(await coordinator().electLeader(group, t0)).to.equal(undefined);
                await register(A, conn('a1'));
                await coordinator().updatePresence(group, A, conn('a1'), { proxyActive: true });
                expect(await coordinator().electLeader(group, t0)).to.equal(undefined);
                expect(await coordinator().getLeader(group)).to.equal(undefined);
                expect(await eventsAfterFlush()).to.deep.equal([]);
            });

            it('promotes an eligible connection and publishes promoted', async function () {
                await eligible(A, conn('a1'), t0);
                const leader = await coordinator().electLeader(group, t0);
                expect(leader).to.deep.include({ deviceId: A, connectionId: conn('a1') });
                expect(leader?.term).to.be.a('number');
                expect(await coordinator().getLeader(group)).to.deep.equal(leader);
                expect(await eventsAfterFlush()).to.deep.equal([{ type: 'promoted', ...leader }]);
            });

            it('prefers proxy-active connections, then the most recently connected', async function () {
                await eligible(A, conn('a1'), t0 + 30, false);
                await eligible(B, conn('b1'), t0 + 10, true);
                await eligible(C, conn('c1'), t0 + 20, true);
                expect(await coordinator().electLeader(group, t0)).to.deep.include({ deviceId: C });
            });

            it('picks the most recently connected when none is proxy-active', async function () {
                await eligible(A, conn('a1'), t0 + 10);
                await eligible(B, conn('b1'), t0 + 30);
                await eligible(C, conn('c1'), t0 + 20);
                expect(await coordinator().electLeader(group, t0)).to.deep.include({ deviceId: B });
            });

            it('keeps the leader while its connection is registered', async function () {
                await eligible(A, conn('a1'), t0);
                const first = await coordinator().electLeader(group, t0);
                await eligible(B, conn('b1'), t0 + 100, true);
                expect(await coordinator().electLeader(group, t0)).to.deep.equal(first);
                await coordinator().unregister(group, B, conn('b1'));
                expect(await coordinator().getLeader(group)).to.deep.equal(first);
                const promoted = (await eventsAfterFlush()).filter((event) => event.type === 'promoted');
                expect(promoted).to.have.length(1);
            });

            it('clears the leader when its connection unregisters; re-election increases the term', async function () {
                await eligible(A, conn('a1'), t0 + 10);
                await eligible(B, conn('b1'), t0);
                const first = await coordinator().electLeader(group, t0);
                expect(first).to.deep.include({ deviceId: A });
                expect(await coordinator().unregister(group, A, conn('a1'))).to.equal(true);
                expect(await coordinator().getLeader(group)).to.equal(undefined);
                const second = await coordinator().electLeader(group, t0);
                expect(second).to.deep.include({ deviceId: B, connectionId: conn('b1') });
                expect(second?.term ?? 0).to.be.greaterThan(first?.term ?? Infinity);
                const promoted = (await eventsAfterFlush()).filter((event) => event.type === 'promoted');
                expect(promoted).to.deep.equal([
                    { type: 'promoted', ...first },
                    { type: 'promoted', ...second },
                ]);
            });

            it("re-elects when the leader's connection was replaced", async function () {
                await eligible(A, conn('a1'), t0 + 10);
                await eligible(B, conn('b1'), t0);
                const first = await coordinator().electLeader(group, t0);
                expect(first).to.deep.include({ connectionId: conn('a1') });
                await register(A, conn('a2'), t0 + 20);
                const second = await coordinator().electLeader(group, t0);
                expect(second).to.deep.include({ deviceId: B });
                expect(second?.term ?? 0).to.be.greaterThan(first?.term ?? Infinity);
            });

            it('leave unregisters the current connection and elects its successor in one step', async function () {
                await eligible(A, conn('a1'), t0 + 10);
                await eligible(B, conn('b1'), t0);
                const first = await coordinator().electLeader(group, t0);
                expect(first).to.deep.include({ deviceId: A });
                // Not the current connection: nothing changes.
                expect(await coordinator().leave(group, A, conn('a0'), t0)).to.equal(false);
                expect(await coordinator().getLeader(group)).to.deep.equal(first);
                expect(await coordinator().leave(group, A, conn('a1'), t0)).to.equal(true);
                const second = await coordinator().getLeader(group);
                expect(second).to.deep.include({ deviceId: B, connectionId: conn('b1') });
                expect(second?.term ?? 0).to.be.greaterThan(first?.term ?? Infinity);
                expect((await coordinator().listPresence(group, t0)).map((entry) => entry.deviceId)).to.deep.equal([B]);
                // The last one leaves: nobody is leader.
                expect(await coordinator().leave(group, B, conn('b1'), t0)).to.equal(true);
                expect(await coordinator().getLeader(group)).to.equal(undefined);
                const promoted = (await eventsAfterFlush()).filter((event) => event.type === 'promoted');
                expect(promoted).to.deep.equal([
                    { type: 'promoted', ...first },
                    { type: 'promoted', ...second },
                ]);
            });

            it('becomeEligible marks the connection eligible and elects in one step', async function () {
                await register(A, conn('a1'), t0);
                const leader = await coordinator().becomeEligible(group, A, conn('a1'), t0);
                expect(leader).to.deep.include({ deviceId: A, connectionId: conn('a1') });
                expect(await coordinator().getLeader(group)).to.deep.equal(leader);
                expect((await coordinator().listPresence(group, t0))[0]?.eligible).to.equal(true);
                expect(await eventsAfterFlush()).to.deep.equal([{ type: 'promoted', ...leader }]);
                // A second eligible connection keeps the leader as electLeader does.
                await register(B, conn('b1'), t0 + 10);
                expect(await coordinator().becomeEligible(group, B, conn('b1'), t0)).to.deep.equal(leader);
                const presence = await coordinator().listPresence(group, t0);
                expect(presence.map((entry) => [entry.connectionId, entry.eligible])).to.have.deep.members([
                    [conn('a1'), true],
                    [conn('b1'), true],
                ]);
            });

            it('becomeEligible of a replaced connection marks nothing, and still elects', async function () {
                await register(A, conn('a2'), t0 + 10);
                await eligible(B, conn('b1'), t0);
                const leader = await coordinator().becomeEligible(group, A, conn('a1'), t0);
                expect(leader).to.deep.include({ deviceId: B, connectionId: conn('b1') });
                const presenceA = (await coordinator().listPresence(group, t0)).find((entry) => entry.deviceId === A);
                expect(presenceA).to.deep.include({ connectionId: conn('a2'), eligible: false });
                // Nobody eligible: no leader.
                await coordinator().unregister(group, B, conn('b1'));
                expect(await coordinator().becomeEligible(group, C, conn('c1'), t0)).to.equal(undefined);
                expect(await coordinator().getLeader(group)).to.equal(undefined);
            });

            it('leaves nobody leader when the last eligible connection is gone', async function () {
                await eligible(A, conn('a1'), t0);
                await coordinator().electLeader(group, t0);
                await coordinator().unregister(group, A, conn('a1'));
                await register(B, conn('b1'));
                expect(await coordinator().electLeader(group, t0)).to.equal(undefined);
                expect(await coordinator().getLeader(group)).to.equal(undefined);
            });
        });

        describe('bus', function () {
            it('delivers events in publication order, bytes intact', async function () {
                const published: GroupEvent[] = [];
                for (let index = 0; index < 20; index++) {
                    const event: GroupEvent =
                        index % 2 === 0
                            ? { type: 'appended', deviceIds: [deviceId(index), deviceId(2n ** 64n - 1n)] }
                            : {
                                  type: 'ephemeral',
                                  senderDeviceId: A,
                                  flags: 1,
                                  timestamp: t0 + index,
                                  envelope: bytes(index, 0xff),
                              };
                    published.push(event);
                }
                for (const event of published) await coordinator().publish(group, event);
                const received = await eventsAfterFlush();
                expect(received).to.have.length(published.length);
                received.forEach((event, index) => {
                    const expected = published[index];
                    expect(event.type, `event ${index}`).to.equal(expected?.type);
                    if (event.type === 'ephemeral' && expected?.type === 'ephemeral') {
                        expect({ ...event, envelope: hex(event.envelope) }).to.deep.equal({
                            ...expected,
                            envelope: hex(expected.envelope),
                        });
                    } else {
                        expect(event).to.deep.equal(expected);
                    }
                });
            });

            it('delivers every event published concurrently', async function () {
                const events: GroupEvent[] = [1, 2, 3, 4, 5, 6].map((value) => ({
                    type: 'appended',
                    deviceIds: [deviceId(value)],
                }));
                await Promise.all(events.map((event) => coordinator().publish(group, event)));
                expect(await eventsAfterFlush()).to.have.length(6);
            });

            it('delivers to every subscriber, only events published after subscribing, only of its group', async function () {
                await coordinator().publish(group, { type: 'appended', deviceIds: [A] });
                const second = await context.recorder(group);
                const other = context.groupId();
                await coordinator().publish(other, { type: 'appended', deviceIds: [C] });
                await coordinator().publish(group, { type: 'appended', deviceIds: [B] });
                await second.flush();
                expect(second.withoutMarkers()).to.deep.equal([{ type: 'appended', deviceIds: [B] }]);
                expect(await eventsAfterFlush()).to.deep.equal([
                    { type: 'appended', deviceIds: [A] },
                    { type: 'appended', deviceIds: [B] },
                ]);
            });

            it('stops delivering after unsubscribe', async function () {
                const second = await context.recorder(group);
                await coordinator().publish(group, { type: 'appended', deviceIds: [A] });
                await second.waitFor((event) => event.type === 'appended');
                await second.close();
                await coordinator().publish(group, { type: 'appended', deviceIds: [B] });
                await recorder.flush();
                expect(second.events).to.deep.equal([{ type: 'appended', deviceIds: [A] }]);
            });
        });
    });
}
