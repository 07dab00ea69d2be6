/**
 * The ReflectionQueue contract (src/storage/reflection-queue.ts), written
 * once and run against every backend. Events are observed through the
 * backend's coordinator, as the mediator observes them.
 */
import { expect } from 'chai';
import type { DeviceId } from '../../d2m/index.js';
import { LockLostError, PresenceLostError } from '../../src/errors.js';
import type { GroupEvent } from '../../src/storage/group-coordinator.js';
import type { AppendRequest, AppendResult, QueueItem, QueueLimits } from '../../src/storage/reflection-queue.js';
import type { GroupId } from '../../src/storage/types.js';
import { bytes, deviceId, hex, sortedIds, useBackend, type BackendFactory } from './support.js';

const S = deviceId(0x5e);
const X = deviceId(0x0a);
const Y = deviceId(0x0b);
const Z = deviceId(0x0c);

const LIMITS: QueueLimits = { maxCount: 1_000, maxBytes: 1_000_000 };

type AppendOptions = Partial<Omit<AppendRequest, 'groupId' | 'senderDeviceId' | 'envelope'>>;

/** The items the `appended` events carried for `device`, in order, with their seqs. */
function announced(events: readonly GroupEvent[], device: DeviceId): { seq: number; envelope: string }[] {
    const items: { seq: number; envelope: string }[] = [];
    for (const event of events) {
        if (event.type !== 'appended' || event.items === undefined || event.seqs === undefined) continue;
        const index = event.deviceIds.indexOf(device);
        if (index < 0) continue;
        const first = event.seqs[index]! - event.items.length + 1;
        event.items.forEach((item, k) => items.push({ seq: first + k, envelope: hex(item.envelope) }));
    }
    return items;
}

function appendedTo(event: GroupEvent): readonly DeviceId[] | undefined {
    return event.type === 'appended' ? event.deviceIds : undefined;
}

export function reflectionQueueContract(name: string, factory: BackendFactory): void {
    describe(`${name}: ReflectionQueue contract`, function () {
        const context = useBackend(factory);
        const queue = () => context.backend().queue;
        let t0: number;
        let group: GroupId;

        beforeEach(function () {
            t0 = Date.now();
            group = context.groupId();
        });

        async function members(...devices: DeviceId[]): Promise<void> {
            for (const device of devices) await queue().addSlot(group, device);
        }

        function append(sender: DeviceId, envelope: Uint8Array, options: AppendOptions = {}): Promise<AppendResult> {
            return queue().append({
                groupId: group,
                senderDeviceId: sender,
                flags: 0,
                envelope,
                timestamp: t0,
                limits: LIMITS,
                ...options,
            });
        }

        /** Takes the group's transaction lock for `connectionId` (granted at t0) and resolves its token. */
        async function takeLock(device: DeviceId, connectionId: string, ttlMs = 60_000): Promise<string> {
            const result = await context.backend().coordinator.beginTransaction(group, {
                deviceId: device,
                connectionId,
                encryptedScope: bytes(0xc0),
                ttlMs,
                now: t0,
            });
            if (result.status !== 'acquired') expect.fail(`lock not acquired: ${result.status}`);
            return result.lock.token;
        }

        async function endLock(connectionId: string, token: string): Promise<void> {
            expect(await context.backend().coordinator.endTransaction(group, connectionId, token)).to.not.equal(
                undefined,
            );
        }

        function readAll(device: DeviceId, afterSeq = -1): Promise<readonly QueueItem[]> {
            return queue().read(group, device, afterSeq, 1_000, 1_000_000_000);
        }

        async function envelopesOf(device: DeviceId): Promise<string[]> {
            return (await readAll(device)).map((item) => hex(item.envelope));
        }

        async function seqsOf(device: DeviceId): Promise<number[]> {
            return (await readAll(device)).map((item) => item.seq);
        }

        function expectConsecutive(seqs: readonly number[]): void {
            seqs.forEach((seq, index) => expect(seq, `seq #${index}`).to.equal((seqs[0] ?? 0) + index));
        }

        describe('membership', function () {
            it('adds and removes slots; addSlot is idempotent and keeps the queue', async function () {
                await members(X, Y);
                await append(S, bytes(1));
                await queue().addSlot(group, X);
                expect(sortedIds(await queue().listSlots(group))).to.deep.equal([X, Y]);
                expect(await envelopesOf(X)).to.deep.equal(['01']);
                await queue().removeSlot(group, X);
                await queue().removeSlot(group, X);
                await queue().removeSlot(context.groupId(), X);
                expect(await queue().listSlots(group)).to.deep.equal([Y]);
                expect(await readAll(X)).to.deep.equal([]);
                expect(await queue().stats(group, X)).to.deep.equal({ count: 0, bytes: 0, oldestTimestamp: undefined });
            });

            it('lists no slots for an unknown group', async function () {
                expect(await queue().listSlots(group)).to.deep.equal([]);
            });

            it('removeSlot deletes the queue and resets the seq', async function () {
                await members(X);
                await append(S, bytes(1));
                const [firstSeq] = await seqsOf(X);
                await append(S, bytes(2));
                await queue().removeSlot(group, X);
                await queue().addSlot(group, X);
                expect(await readAll(X)).to.deep.equal([]);
                await append(S, bytes(3));
                expect(await seqsOf(X)).to.deep.equal([firstSeq]);
            });
        });

        describe('append', function () {
            it('stores the reflection for every member except the sender', async function () {
                await members(S, X, Y);
                const result = await append(S, bytes(7, 7));
                expect(sortedIds(result.recipients)).to.deep.equal([X, Y]);
                expect(result.overflowed).to.deep.equal([]);
                expect(await envelopesOf(X)).to.deep.equal(['0707']);
                expect(await envelopesOf(Y)).to.deep.equal(['0707']);
                expect(await readAll(S)).to.deep.equal([]);
            });

            it('works for a sender that is not a member, and for a group with no other member', async function () {
                await members(X);
                expect((await append(S, bytes(1))).recipients).to.deep.equal([X]);
                expect(await append(X, bytes(2))).to.deep.equal({ recipients: [], overflowed: [] });
                expect(await envelopesOf(X)).to.deep.equal(['01']);
            });

            it('keeps flags, timestamp and a copy of the envelope', async function () {
                await members(X);
                const envelope = bytes(1, 2, 3, 4);
                await append(S, envelope.subarray(1, 3), { flags: 0x0002, timestamp: t0 + 42 });
                envelope.fill(0);
                const [item] = await readAll(X);
                expect(item?.flags).to.equal(0x0002);
                expect(item?.timestamp).to.equal(t0 + 42);
                expect(hex(item?.envelope ?? bytes())).to.equal('0203');
            });

            it('numbers each slot’s items with seqs that increase by one, read in order', async function () {
                await members(X);
                await append(S, bytes(1));
                await append(S, bytes(2));
                await members(Y);
                await append(S, bytes(3));
                await append(X, bytes(4));
                const xs = await readAll(X);
                expect(xs.map((item) => hex(item.envelope))).to.deep.equal(['01', '02', '03']);
                expectConsecutive(xs.map((item) => item.seq));
                const ys = await readAll(Y);
                expect(ys.map((item) => hex(item.envelope))).to.deep.equal(['03', '04']);
                expectConsecutive(ys.map((item) => item.seq));
            });

            it('never repeats a seq, even after acks', async function () {
                await members(X);
                await append(S, bytes(1));
                await append(S, bytes(2));
                const [first, second] = await seqsOf(X);
                await queue().ack(group, X, first ?? -1);
                await queue().ack(group, X, second ?? -1);
                await append(S, bytes(3));
                expect(await seqsOf(X)).to.deep.equal([(second ?? 0) + 1]);
            });

            it('keeps every seq unique and consecutive under concurrent appends', async function () {
                await members(X, Y, Z);
                const senders = [X, Y, Z, X, Y, Z, S, S];
                await Promise.all(senders.map((sender, index) => append(sender, bytes(index))));
                for (const device of [X, Y, Z]) {
                    const seqs = await seqsOf(device);
                    expect(seqs).to.have.length(senders.filter((sender) => sender !== device).length);
                    expectConsecutive(seqs);
                }
            });
        });

        describe('payload stored once', function () {
            it('serves every recipient the same bytes until each one acked or was removed', async function () {
                await members(X, Y, Z);
                await append(S, bytes(5, 5, 5));
                const [xItem] = await readAll(X);
                const [yItem] = await readAll(Y);
                expect(await queue().ack(group, X, xItem?.seq ?? -1)).to.equal(true);
                expect(await envelopesOf(Y)).to.deep.equal(['050505']);
                expect(await envelopesOf(Z)).to.deep.equal(['050505']);
                await queue().removeSlot(group, Z);
                expect(await envelopesOf(Y)).to.deep.equal(['050505']);
                expect(await queue().stats(group, Y)).to.deep.include({ count: 1, bytes: 3 });
                expect(await queue().ack(group, Y, yItem?.seq ?? -1)).to.equal(true);
                for (const device of [X, Y, Z]) {
                    expect(await queue().stats(group, device)).to.deep.equal({
                        count: 0,
                        bytes: 0,
                        oldestTimestamp: undefined,
                    });
                }
            });
        });

        describe('ack', function () {
            it('removes exactly one item, in any order', async function () {
                await members(X);
                for (const value of [1, 2, 3]) await append(S, bytes(value), { timestamp: t0 + value });
                const [first, second, third] = await seqsOf(X);
                expect(await queue().ack(group, X, second ?? -1)).to.equal(true);
                expect(await envelopesOf(X)).to.deep.equal(['01', '03']);
                expect(await queue().stats(group, X)).to.deep.equal({ count: 2, bytes: 2, oldestTimestamp: t0 + 1 });
                expect(await queue().ack(group, X, second ?? -1)).to.equal(false);
                expect(await queue().ack(group, X, third ?? -1)).to.equal(true);
                expect(await readAll(X, first ?? -1)).to.deep.equal([]);
                expect(await queue().ack(group, X, first ?? -1)).to.equal(true);
                expect(await readAll(X)).to.deep.equal([]);
            });

            it('answers false for unknown seqs, slots and groups and changes nothing', async function () {
                await members(X, Y);
                await append(S, bytes(1));
                const [seq] = await seqsOf(X);
                const before = await queue().stats(group, X);
                expect(await queue().ack(group, X, (seq ?? 0) + 1)).to.equal(false);
                expect(await queue().ack(group, X, (seq ?? 0) - 1)).to.equal(false);
                expect(await queue().ack(group, Z, seq ?? -1)).to.equal(false);
                expect(await queue().ack(context.groupId(), X, seq ?? -1)).to.equal(false);
                expect(await queue().stats(group, X)).to.deep.equal(before);
                expect(await envelopesOf(Y)).to.deep.equal(['01']);
            });
        });

        describe('ackMany', function () {
            it('removes each listed item once in one step, in any order, and resolves how many', async function () {
                await members(X, Y);
                for (const value of [1, 2, 3, 4]) await append(S, bytes(value, value), { timestamp: t0 + value });
                const [first, second, third, fourth] = await seqsOf(X);
                expect(
                    await queue().ackMany(group, [{ deviceId: X, seqs: [third ?? -1, first ?? -1, third ?? -1] }]),
                ).to.equal(2);
                expect(await envelopesOf(X)).to.deep.equal(['0202', '0404']);
                expect(await queue().stats(group, X)).to.deep.equal({ count: 2, bytes: 4, oldestTimestamp: t0 + 2 });
                // Y's queue is its own: the same payloads stay readable there.
                expect(await envelopesOf(Y)).to.deep.equal(['0101', '0202', '0303', '0404']);
                expect(await queue().ackMany(group, [{ deviceId: X, seqs: [fourth ?? -1, second ?? -1] }])).to.equal(2);
                expect(await readAll(X)).to.deep.equal([]);
                expect(await queue().stats(group, X)).to.deep.equal({ count: 0, bytes: 0, oldestTimestamp: undefined });
                expect(await envelopesOf(Y)).to.have.length(4);
            });

            it('takes the acks of several slots of the group in one step', async function () {
                await members(X, Y, Z);
                for (const value of [1, 2, 3]) await append(S, bytes(value));
                const [x1, x2] = await seqsOf(X);
                const [y1, , y3] = await seqsOf(Y);
                const acks = [
                    { deviceId: X, seqs: [x2 ?? -1, x1 ?? -1] },
                    { deviceId: Y, seqs: [y3 ?? -1] },
                    { deviceId: Y, seqs: [y1 ?? -1, y3 ?? -1] },
                    { deviceId: Z, seqs: [] },
                ];
                expect(await queue().ackMany(group, acks)).to.equal(4);
                expect(await envelopesOf(X)).to.deep.equal(['03']);
                expect(await envelopesOf(Y)).to.deep.equal(['02']);
                expect(await envelopesOf(Z)).to.deep.equal(['01', '02', '03']);
                expect(await queue().stats(group, Y)).to.deep.equal({ count: 1, bytes: 1, oldestTimestamp: t0 });
                expect(await queue().ackMany(group, [])).to.equal(0);
            });

            it('ignores unknown seqs, slots and groups and an empty list, changing nothing', async function () {
                await members(X, Y);
                await append(S, bytes(1));
                await append(S, bytes(2));
                const [seq, next] = await seqsOf(X);
                const before = await queue().stats(group, X);
                expect(await queue().ackMany(group, [{ deviceId: X, seqs: [] }])).to.equal(0);
                expect(
                    await queue().ackMany(group, [
                        { deviceId: X, seqs: [(next ?? 0) + 1, (seq ?? 0) - 1, -5, 0.5, 2 ** 60] },
                    ]),
                ).to.equal(0);
                expect(await queue().ackMany(group, [{ deviceId: Z, seqs: [seq ?? -1] }])).to.equal(0);
                expect(await queue().ackMany(context.groupId(), [{ deviceId: X, seqs: [seq ?? -1] }])).to.equal(0);
                expect(await queue().stats(group, X)).to.deep.equal(before);
                // Known and unknown in one list: only the known one goes.
                expect(await queue().ackMany(group, [{ deviceId: X, seqs: [(next ?? 0) + 7, next ?? -1] }])).to.equal(
                    1,
                );
                expect(await envelopesOf(X)).to.deep.equal(['01']);
                expect(await envelopesOf(Y)).to.deep.equal(['01', '02']);
            });

            it('drops every reference a step acks, also several to one payload, and finds far-apart seqs', async function () {
                await members(X, Y);
                for (let value = 0; value < 60; value++) await append(S, bytes(value, value));
                const xs = await seqsOf(X);
                const ys = await seqsOf(Y);
                const far = [xs[0]!, xs[59]!, xs[30]!];
                // X: three far-apart items; Y: the same three payloads and a run of others, one listed twice.
                const acks = [
                    { deviceId: X, seqs: far },
                    { deviceId: Y, seqs: [ys[0]!, ys[59]!, ys[30]!, ys[5]!, ys[6]!, ys[6]!] },
                ];
                expect(await queue().ackMany(group, acks)).to.equal(8);
                expect(await queue().stats(group, X)).to.deep.include({ count: 57, bytes: 114 });
                expect(await queue().stats(group, Y)).to.deep.include({ count: 55, bytes: 110 });
                expect(await envelopesOf(X)).to.not.include('0000');
                expect((await envelopesOf(Y)).slice(0, 4)).to.deep.equal(['0101', '0202', '0303', '0404']);
                // Everything else acked: nothing is left of either queue.
                await queue().ackMany(group, [
                    { deviceId: X, seqs: xs },
                    { deviceId: Y, seqs: ys },
                ]);
                expect(await queue().stats(group, X)).to.deep.equal({ count: 0, bytes: 0, oldestTimestamp: undefined });
                expect(await queue().stats(group, Y)).to.deep.equal({ count: 0, bytes: 0, oldestTimestamp: undefined });
            });

            it('takes a large batch', async function () {
                await members(X);
                for (let value = 0; value < 300; value++) await append(S, bytes(value % 256));
                const seqs = await seqsOf(X);
                const acked = seqs.filter((_seq, index) => index % 3 !== 1);
                expect(await queue().ackMany(group, [{ deviceId: X, seqs: acked }])).to.equal(200);
                expect(await seqsOf(X)).to.deep.equal(seqs.filter((_seq, index) => index % 3 === 1));
                expect(await queue().stats(group, X)).to.deep.include({ count: 100, bytes: 100 });
            });
        });

        describe('limits', function () {
            it('removes a recipient that would exceed maxCount instead of storing the item', async function () {
                const limits = { maxCount: 2, maxBytes: 1_000 };
                await members(X);
                await append(S, bytes(1), { limits });
                await append(S, bytes(2), { limits });
                expect(await queue().stats(group, X)).to.deep.include({ count: 2 });
                await members(Y);
                const result = await append(S, bytes(3), { limits });
                expect(result).to.deep.equal({ recipients: [Y], overflowed: [X] });
                expect(await queue().listSlots(group)).to.deep.equal([Y]);
                expect(await readAll(X)).to.deep.equal([]);
                expect(await queue().stats(group, X)).to.deep.equal({ count: 0, bytes: 0, oldestTimestamp: undefined });
                expect(await envelopesOf(Y)).to.deep.equal(['03']);
                expect((await append(S, bytes(4), { limits })).recipients).to.deep.equal([Y]);
            });

            it('removes a recipient that would exceed maxBytes; exactly at the limit is allowed', async function () {
                const limits = { maxCount: 1_000, maxBytes: 10 };
                await members(X);
                await append(S, new Uint8Array(6), { limits });
                expect((await append(S, new Uint8Array(4), { limits })).recipients).to.deep.equal([X]);
                expect(await queue().stats(group, X)).to.deep.include({ count: 2, bytes: 10 });
                await members(Y);
                expect(await append(S, bytes(9), { limits })).to.deep.equal({ recipients: [Y], overflowed: [X] });
                expect(await queue().listSlots(group)).to.deep.equal([Y]);
            });

            it('names only the remaining recipients in the appended event', async function () {
                const recorder = await context.recorder(group);
                await members(X);
                await append(S, bytes(1), { limits: { maxCount: 1, maxBytes: 100 } });
                await members(Y);
                await append(S, bytes(2), { limits: { maxCount: 1, maxBytes: 100 } });
                await recorder.flush();
                expect(recorder.withoutMarkers().map(appendedTo)).to.deep.equal([[X], [Y]]);
            });
        });

        describe('appended events', function () {
            it('publishes one event per append naming the recipients, once the items are readable', async function () {
                const coordinator = context.backend().coordinator;
                const recorder = await context.recorder(group);
                const reads: Promise<number>[] = [];
                const unsubscribe = await coordinator.subscribe(group, (event) => {
                    if (event.type !== 'appended') return;
                    for (const device of event.deviceIds) reads.push(readAll(device).then((items) => items.length));
                });
                context.defer(unsubscribe);
                await members(S, X, Y);
                await append(S, bytes(1));
                await append(X, bytes(2));
                await recorder.flush();
                const appended = recorder.withoutMarkers().map(appendedTo);
                expect(appended.map((ids) => sortedIds(ids ?? []))).to.deep.equal([[X, Y], sortedIds([S, Y])]);
                // Every read started from an event found the item of that event (or later ones).
                expect(await Promise.all(reads)).to.have.length(4);
                for (const count of await Promise.all(reads)) expect(count).to.be.at.least(1);
            });

            it("carries each recipient's newest seq, after an append and after a release", async function () {
                const recorder = await context.recorder(group);
                await members(S, X, Y);
                await append(S, bytes(1));
                await append(S, bytes(2));
                await append(X, bytes(3));
                const token = await takeLock(S, 'c-s');
                await append(S, bytes(4), { hold: token });
                await append(S, bytes(5), { hold: token });
                await queue().releaseHeld(group, token, LIMITS);
                await recorder.flush();
                const newest = async (device: DeviceId): Promise<number> => (await readAll(device)).at(-1)!.seq;
                const events = recorder.withoutMarkers().filter((event) => event.type === 'appended');
                // Four appended events: two appends to X and Y, one to S and Y, the release to X and Y.
                expect(events).to.have.length(4);
                const seqOf = (event: GroupEvent, device: DeviceId): number | undefined =>
                    event.type === 'appended' ? event.seqs?.[event.deviceIds.indexOf(device)] : undefined;
                const xSeqs = (await readAll(X)).map((item) => item.seq);
                const ySeqs = (await readAll(Y)).map((item) => item.seq);
                expect(ySeqs).to.have.length(5);
                expect([seqOf(events[0]!, Y), seqOf(events[1]!, Y), seqOf(events[2]!, Y)]).to.deep.equal(
                    ySeqs.slice(0, 3),
                );
                expect([seqOf(events[0]!, X), seqOf(events[1]!, X)]).to.deep.equal(xSeqs.slice(0, 2));
                // The release names the newest seq of each slot once all released items are in.
                expect(seqOf(events[3]!, X)).to.equal(await newest(X));
                expect(seqOf(events[3]!, Y)).to.equal(await newest(Y));
            });

            it('carries the appended item as stored (flags, timestamp, envelope bytes); a release carries none', async function () {
                const recorder = await context.recorder(group);
                await members(S, X, Y);
                const envelope = Uint8Array.from([0x01, 0x5b, 0x00, 0x0a, 0x7b, 0xff, 0x80, 0x5d]);
                await append(S, envelope, { flags: 0x8002, timestamp: t0 + 5 });
                await append(X, new Uint8Array(0), { flags: 0, timestamp: t0 + 6 });
                const token = await takeLock(S, 'c-s');
                await append(S, bytes(9), { hold: token });
                await queue().releaseHeld(group, token, LIMITS);
                await recorder.flush();
                const events = recorder.withoutMarkers().filter((event) => event.type === 'appended');
                expect(events).to.have.length(3);
                const [first, second, release] = events;
                if (first?.type !== 'appended' || second?.type !== 'appended' || release?.type !== 'appended') {
                    return expect.fail('expected appended events');
                }
                expect(first.items).to.deep.equal([{ flags: 0x8002, timestamp: t0 + 5, envelope }]);
                expect(second.items).to.deep.equal([{ flags: 0, timestamp: t0 + 6, envelope: new Uint8Array(0) }]);
                expect(release.items).to.equal(undefined);
                // The item's seq in each recipient's queue is the event's seq for it.
                for (const device of [X, Y]) {
                    const seq = first.seqs?.[first.deviceIds.indexOf(device)];
                    const stored = (await readAll(device)).find((item) => item.seq === seq);
                    expect(stored, `item of ${device}`).to.deep.include({ flags: 0x8002, timestamp: t0 + 5 });
                    expect(hex(stored!.envelope)).to.equal(hex(envelope));
                }
                expect(second.seqs?.[second.deviceIds.indexOf(S)]).to.equal((await readAll(S))[0]?.seq);
            });

            it('publishes nothing for an append without recipients or a held append', async function () {
                const recorder = await context.recorder(group);
                await members(S);
                await append(S, bytes(1));
                await members(X);
                await append(S, bytes(2), { hold: await takeLock(S, 'c-s') });
                await recorder.flush();
                expect(recorder.withoutMarkers()).to.deep.equal([]);
            });

            it('announces every item of concurrent appends once, in order (an event may carry several)', async function () {
                const recorder = await context.recorder(group);
                await members(X, Y);
                await Promise.all([1, 2, 3, 4, 5].map((value) => append(S, bytes(value))));
                await recorder.flush();
                const appended = recorder.withoutMarkers().map(appendedTo);
                expect(appended.length).to.be.within(1, 5);
                for (const ids of appended) expect(sortedIds(ids ?? [])).to.deep.equal([X, Y]);
                for (const device of [X, Y]) {
                    expect(announced(recorder.withoutMarkers(), device)).to.deep.equal(
                        (await readAll(device)).map((item) => ({ seq: item.seq, envelope: hex(item.envelope) })),
                    );
                }
            });
        });

        describe('appends of one sender connection in flight together', function () {
            /** Starts the appends at once (without waiting), as a pipelining session does; settles each. */
            function appendAll(
                sender: DeviceId,
                appends: readonly (AppendOptions & { readonly envelope: Uint8Array })[],
            ): Promise<PromiseSettledResult<AppendResult>[]> {
                return Promise.allSettled(appends.map(({ envelope, ...options }) => append(sender, envelope, options)));
            }

            function results(settled: readonly PromiseSettledResult<AppendResult>[]): (AppendResult | string)[] {
                return settled.map((result) =>
                    result.status === 'fulfilled' ? result.value : (result.reason as Error).constructor.name,
                );
            }

            async function present(device: DeviceId, connectionId: string, liveMs = 60_000): Promise<void> {
                await context.backend().coordinator.register(group, {
                    deviceId: device,
                    connectionId,
                    nodeId: 'node-1',
                    connectedSince: t0,
                    expiresAt: t0 + liveMs,
                });
            }

            it('stores each in call order with its own result and announces each item once', async function () {
                const recorder = await context.recorder(group);
                await members(S, X, Y);
                await present(S, 'c-s');
                const settled = await appendAll(
                    S,
                    [1, 2, 3, 4].map((value) => ({
                        envelope: bytes(value, value),
                        flags: value,
                        timestamp: t0 + value,
                        senderConnectionId: 'c-s',
                    })),
                );
                expect(results(settled)).to.deep.equal(Array(4).fill({ recipients: [X, Y], overflowed: [] }));
                for (const device of [X, Y]) {
                    const items = await readAll(device);
                    expect(items.map((item) => [hex(item.envelope), item.flags, item.timestamp])).to.deep.equal(
                        [1, 2, 3, 4].map((value) => [hex(bytes(value, value)), value, t0 + value]),
                    );
                    expectConsecutive(items.map((item) => item.seq));
                    await recorder.flush();
                    expect(announced(recorder.withoutMarkers(), device)).to.deep.equal(
                        items.map((item) => ({ seq: item.seq, envelope: hex(item.envelope) })),
                    );
                }
                for (const event of recorder.withoutMarkers()) {
                    if (event.type !== 'appended') continue;
                    expect(event.items?.map((item) => [item.flags, item.timestamp])).to.deep.equal(
                        event.items?.map((item) => [item.envelope[0], t0 + item.envelope[0]!]),
                    );
                }
            });

            it('removes a recipient that overflows on a middle item: it gets none after it, the others all', async function () {
                const limits = { maxCount: 4, maxBytes: 1_000 };
                const recorder = await context.recorder(group);
                await members(X);
                await append(S, bytes(0xa), { limits });
                await append(S, bytes(0xb), { limits });
                await members(Y);
                const settled = await appendAll(
                    S,
                    [1, 2, 3, 4].map((value) => ({ envelope: bytes(value), limits })),
                );
                expect(results(settled)).to.deep.equal([
                    { recipients: [X, Y], overflowed: [] },
                    { recipients: [X, Y], overflowed: [] },
                    { recipients: [Y], overflowed: [X] },
                    { recipients: [Y], overflowed: [] },
                ]);
                expect(await queue().listSlots(group)).to.deep.equal([Y]);
                expect(await readAll(X)).to.deep.equal([]);
                expect(await queue().stats(group, X)).to.deep.equal({ count: 0, bytes: 0, oldestTimestamp: undefined });
                expect(await envelopesOf(Y)).to.deep.equal(['01', '02', '03', '04']);
                await recorder.flush();
                expect(announced(recorder.withoutMarkers(), Y).map((item) => item.envelope)).to.deep.equal([
                    '01',
                    '02',
                    '03',
                    '04',
                ]);
                // Y's queue and the payloads are consistent: acking everything leaves nothing behind.
                for (const item of await readAll(Y)) expect(await queue().ack(group, Y, item.seq)).to.equal(true);
                expect(await queue().stats(group, Y)).to.deep.equal({ count: 0, bytes: 0, oldestTimestamp: undefined });
            });

            it('stops at the first append whose presence has lapsed: it and every later one are refused', async function () {
                const recorder = await context.recorder(group);
                await members(S, X);
                await present(S, 'c-s', 1_000);
                const settled = await appendAll(
                    S,
                    [998, 999, 1_000, 1_001].map((offset, index) => ({
                        envelope: bytes(index + 1),
                        timestamp: t0 + offset,
                        senderConnectionId: 'c-s',
                    })),
                );
                expect(results(settled)).to.deep.equal([
                    { recipients: [X], overflowed: [] },
                    { recipients: [X], overflowed: [] },
                    'PresenceLostError',
                    'PresenceLostError',
                ]);
                expect(await envelopesOf(X)).to.deep.equal(['01', '02']);
                await recorder.flush();
                expect(announced(recorder.withoutMarkers(), X).map((item) => item.envelope)).to.deep.equal([
                    '01',
                    '02',
                ]);
            });

            it('refuses every append of a connection that is not the presence, storing nothing', async function () {
                const recorder = await context.recorder(group);
                await members(S, X);
                await present(S, 'c-new');
                const settled = await appendAll(
                    S,
                    [1, 2, 3].map((value) => ({ envelope: bytes(value), senderConnectionId: 'c-old' })),
                );
                expect(results(settled)).to.deep.equal(Array(3).fill('PresenceLostError'));
                expect(await readAll(X)).to.deep.equal([]);
                await recorder.flush();
                expect(recorder.withoutMarkers()).to.deep.equal([]);
            });

            it('holds items in order until the first one after the lock’s expiry, which is refused with the rest', async function () {
                await members(X);
                const token = await takeLock(S, 'c-s', 1_000);
                const settled = await appendAll(
                    S,
                    [998, 999, 1_000, 1_001].map((offset, index) => ({
                        envelope: bytes(index + 1),
                        timestamp: t0 + offset,
                        hold: token,
                    })),
                );
                expect(results(settled)).to.deep.equal([
                    { recipients: [], overflowed: [] },
                    { recipients: [], overflowed: [] },
                    'LockLostError',
                    'LockLostError',
                ]);
                expect(await readAll(X)).to.deep.equal([]);
                expect(await queue().releaseHeld(group, token, LIMITS)).to.deep.equal({ released: 2, overflowed: [] });
                expect(await envelopesOf(X)).to.deep.equal(['01', '02']);
            });

            it('keeps call order across held and delivered appends', async function () {
                await members(X);
                const token = await takeLock(S, 'c-s');
                const settled = await appendAll(S, [
                    { envelope: bytes(1) },
                    { envelope: bytes(2), hold: token },
                    { envelope: bytes(3), hold: token },
                    { envelope: bytes(4) },
                ]);
                expect(settled.map((result) => result.status)).to.deep.equal(Array(4).fill('fulfilled'));
                expect(await envelopesOf(X)).to.deep.equal(['01', '04']);
                await queue().releaseHeld(group, token, LIMITS);
                expect(await envelopesOf(X)).to.deep.equal(['01', '04', '02', '03']);
            });
        });

        describe('held reflections', function () {
            it('holds items out of every queue until released', async function () {
                await members(S, X);
                expect(await append(S, bytes(1), { hold: await takeLock(S, 'c-s') })).to.deep.equal({
                    recipients: [],
                    overflowed: [],
                });
                expect(await readAll(X)).to.deep.equal([]);
                expect(await queue().stats(group, X)).to.deep.include({ count: 0 });
            });

            it('releases in order to the members other than the sender at release time, with original timestamps', async function () {
                const recorder = await context.recorder(group);
                await members(S, X, Y);
                const token = await takeLock(S, 'c-s');
                await append(S, bytes(1), { hold: token, timestamp: t0 + 1, flags: 0x0004 });
                await append(X, bytes(9), { timestamp: t0 + 2 });
                await append(S, bytes(2), { hold: token, timestamp: t0 + 3 });
                await queue().removeSlot(group, Y);
                await members(Z);
                const result = await queue().releaseHeld(group, token, LIMITS);
                expect(result).to.deep.equal({ released: 2, overflowed: [] });
                const xs = await readAll(X);
                expect(xs.map((item) => [hex(item.envelope), item.timestamp, item.flags])).to.deep.equal([
                    ['01', t0 + 1, 0x0004],
                    ['02', t0 + 3, 0],
                ]);
                expect((await readAll(S)).map((item) => hex(item.envelope))).to.deep.equal(['09']);
                expect(await envelopesOf(Z)).to.deep.equal(['01', '02']);
                expect(await readAll(Y)).to.deep.equal([]);
                await recorder.flush();
                const events = recorder.withoutMarkers().map(appendedTo);
                expect(events).to.have.length(2);
                expect(sortedIds(events[1] ?? [])).to.deep.equal([X, Z]);
            });

            it('is idempotent', async function () {
                await members(X);
                const token = await takeLock(S, 'c-s');
                await append(S, bytes(1), { hold: token });
                await queue().releaseHeld(group, token, LIMITS);
                const recorder = await context.recorder(group);
                expect(await queue().releaseHeld(group, token, LIMITS)).to.deep.equal({
                    released: 0,
                    overflowed: [],
                });
                expect(await envelopesOf(X)).to.deep.equal(['01']);
                await recorder.flush();
                expect(recorder.withoutMarkers()).to.deep.equal([]);
            });

            it('keeps the items of other tokens held', async function () {
                await members(X);
                const token1 = await takeLock(S, 'c-s');
                await append(S, bytes(1), { hold: token1 });
                await endLock('c-s', token1);
                const token2 = await takeLock(Y, 'c-y');
                await append(Y, bytes(2), { hold: token2 });
                expect((await queue().releaseHeld(group, token2, LIMITS)).released).to.equal(1);
                expect(await envelopesOf(X)).to.deep.equal(['02']);
                expect((await queue().releaseHeld(group, token1, LIMITS)).released).to.equal(1);
                expect(await envelopesOf(X)).to.deep.equal(['02', '01']);
            });

            it('applies the limits at release', async function () {
                await members(X, Y);
                await append(S, bytes(1));
                await queue().ack(group, Y, (await seqsOf(Y))[0] ?? -1);
                const token = await takeLock(S, 'c-s');
                await append(S, bytes(2), { hold: token });
                const result = await queue().releaseHeld(group, token, { maxCount: 1, maxBytes: 100 });
                expect(result).to.deep.equal({ released: 1, overflowed: [X] });
                expect(await queue().listSlots(group)).to.deep.equal([Y]);
                expect(await envelopesOf(Y)).to.deep.equal(['02']);
            });

            it('releases nothing for an unknown token', async function () {
                expect(await queue().releaseHeld(group, 'no-such-token', LIMITS)).to.deep.equal({
                    released: 0,
                    overflowed: [],
                });
            });
        });

        describe('fenced senders', function () {
            /** Registers `connectionId` as the slot's presence, alive until t0 + `liveMs`. */
            async function present(device: DeviceId, connectionId: string, liveMs = 60_000): Promise<void> {
                await context.backend().coordinator.register(group, {
                    deviceId: device,
                    connectionId,
                    nodeId: 'node-1',
                    connectedSince: t0,
                    expiresAt: t0 + liveMs,
                });
            }

            async function expectPresenceLost(promise: Promise<unknown>): Promise<void> {
                const error = await promise.then(
                    () => expect.fail('expected PresenceLostError'),
                    (reason: unknown) => reason,
                );
                expect(error).to.be.instanceOf(PresenceLostError);
            }

            it('stores an append from the slot’s current, unexpired presence', async function () {
                await members(S, X);
                await present(S, 'c-s');
                expect((await append(S, bytes(1), { senderConnectionId: 'c-s' })).recipients).to.deep.equal([X]);
                expect(await envelopesOf(X)).to.deep.equal(['01']);
            });

            it('refuses an append from a connection with no presence, storing nothing and publishing nothing', async function () {
                await members(S, X);
                const recorder = await context.recorder(group);
                await expectPresenceLost(append(S, bytes(1), { senderConnectionId: 'c-s' }));
                expect(await readAll(X)).to.deep.equal([]);
                await present(S, 'c-s');
                await append(S, bytes(2), { senderConnectionId: 'c-s' });
                await recorder.flush();
                // Only the accepted append published an event.
                expect(recorder.withoutMarkers().filter((event) => event.type === 'appended')).to.have.length(1);
                expect(await envelopesOf(X)).to.deep.equal(['02']);
            });

            it('refuses an append from a replaced connection: a late append cannot land after newer ones', async function () {
                await members(S, X);
                await present(S, 'c-old');
                await append(S, bytes(1), { senderConnectionId: 'c-old' });
                // The device logged in again elsewhere and reflected a newer item there.
                await present(S, 'c-new');
                await append(S, bytes(2), { senderConnectionId: 'c-new' });
                // The old connection's append reaches the store late.
                await expectPresenceLost(append(S, bytes(3), { senderConnectionId: 'c-old' }));
                expect(await envelopesOf(X)).to.deep.equal(['01', '02']);
            });

            it('refuses an append from a presence that has expired at the append’s timestamp', async function () {
                await members(S, X);
                await present(S, 'c-s', 1_000);
                await append(S, bytes(1), { senderConnectionId: 'c-s', timestamp: t0 + 999 });
                await expectPresenceLost(append(S, bytes(2), { senderConnectionId: 'c-s', timestamp: t0 + 1_000 }));
                expect(await envelopesOf(X)).to.deep.equal(['01']);
            });

            it('refuses a held append from a connection that is gone, before the lock is looked at', async function () {
                await members(S, X);
                await present(S, 'c-s');
                const token = await takeLock(S, 'c-s');
                await append(S, bytes(1), { hold: token, senderConnectionId: 'c-s' });
                expect(await context.backend().coordinator.unregister(group, S, 'c-s')).to.equal(true);
                await expectPresenceLost(append(S, bytes(2), { hold: token, senderConnectionId: 'c-s' }));
                expect(await queue().releaseHeld(group, token, LIMITS)).to.deep.equal({ released: 1, overflowed: [] });
                expect(await envelopesOf(X)).to.deep.equal(['01']);
            });
        });

        describe('fenced holds and stale held items', function () {
            async function expectLockLost(promise: Promise<unknown>): Promise<void> {
                const error = await promise.then(
                    () => expect.fail('expected LockLostError'),
                    (reason: unknown) => reason,
                );
                expect(error).to.be.instanceOf(LockLostError);
            }

            async function expectNothingStored(): Promise<void> {
                expect(await readAll(X)).to.deep.equal([]);
                expect(await queue().staleHeldTokens(group, t0)).to.deep.equal([]);
            }

            it('refuses a hold when the group has no lock, storing nothing', async function () {
                await members(X);
                await expectLockLost(append(S, bytes(1), { hold: '1' }));
                await expectNothingStored();
            });

            it('refuses a hold under a token that was ended, and under another holder’s lock', async function () {
                await members(X);
                const ended = await takeLock(S, 'c-s');
                await endLock('c-s', ended);
                await expectLockLost(append(S, bytes(1), { hold: ended }));
                const other = await takeLock(Y, 'c-y');
                await expectLockLost(append(S, bytes(2), { hold: ended }));
                expect(other).to.not.equal(ended);
                await expectNothingStored();
            });

            it('refuses a hold under a lock that has expired at the append’s timestamp', async function () {
                await members(X);
                const token = await takeLock(S, 'c-s', 1_000);
                await append(S, bytes(1), { hold: token, timestamp: t0 + 999 });
                await expectLockLost(append(S, bytes(2), { hold: token, timestamp: t0 + 1_000 }));
                await queue().releaseHeld(group, token, LIMITS);
                expect(await envelopesOf(X)).to.deep.equal(['01']);
            });

            it('reports no stale token while the lock holding the items is current', async function () {
                await members(X);
                const token = await takeLock(S, 'c-s');
                await append(S, bytes(1), { hold: token });
                expect(await queue().staleHeldTokens(group, t0 + 1)).to.deep.equal([]);
                expect(await queue().staleHeldTokens(context.groupId(), t0)).to.deep.equal([]);
            });

            it('reports the token once its lock was ended, expired or replaced, and the sweep strands nothing', async function () {
                await members(X, Y);
                // Ended (as by a holder whose node died after the end, before its release).
                const ended = await takeLock(S, 'c-s');
                await append(S, bytes(1), { hold: ended });
                await append(S, bytes(2), { hold: ended });
                await endLock('c-s', ended);
                // Expired, then taken over by another device.
                const expired = await takeLock(Y, 'c-y', 1_000);
                await append(Y, bytes(3), { hold: expired, timestamp: t0 + 10 });
                expect(await queue().staleHeldTokens(group, t0 + 10)).to.deep.equal([ended]);
                expect(await queue().staleHeldTokens(group, t0 + 1_000)).to.deep.equal([ended, expired]);
                const current = await context.backend().coordinator.beginTransaction(group, {
                    deviceId: X,
                    connectionId: 'c-x',
                    encryptedScope: bytes(1),
                    ttlMs: 60_000,
                    now: t0 + 1_000,
                });
                expect(current.status).to.equal('acquired');
                const live = current.status === 'acquired' ? current.lock.token : '';
                await append(X, bytes(4), { hold: live, timestamp: t0 + 1_001 });
                // The sweep: every stale token is released; the current one stays held.
                const stale = await queue().staleHeldTokens(group, t0 + 1_001);
                expect(stale).to.deep.equal([ended, expired]);
                for (const token of stale) await queue().releaseHeld(group, token, LIMITS);
                expect(await envelopesOf(X)).to.deep.equal(['01', '02', '03']);
                expect(await envelopesOf(Y)).to.deep.equal(['01', '02']);
                expect(await queue().staleHeldTokens(group, t0 + 1_001)).to.deep.equal([]);
                expect((await queue().releaseHeld(group, live, LIMITS)).released).to.equal(1);
                expect(await envelopesOf(Y)).to.deep.equal(['01', '02', '04']);
            });
        });

        describe('login store (registerLogin)', function () {
            function registerLogin(device: DeviceId, connectionId: string, newSlot: boolean, now = t0) {
                return context.backend().logins.registerLogin({
                    groupId: group,
                    presence: {
                        deviceId: device,
                        connectionId,
                        nodeId: 'node-1',
                        connectedSince: now,
                        expiresAt: now + 60_000,
                    },
                    newSlot,
                    now,
                });
            }

            it('adds the slot, registers the presence, and reads lock, stale held tokens and the backlog', async function () {
                await members(X, Y);
                await append(S, bytes(1, 2), { timestamp: t0 + 1 });
                await append(S, bytes(3), { timestamp: t0 + 2 });
                const ended = await takeLock(S, 'c-s');
                await append(S, bytes(4), { hold: ended });
                await endLock('c-s', ended);
                const token = await takeLock(X, 'c-x-old');
                const result = await registerLogin(X, 'c-x-new', false, t0 + 5);
                expect(result.replaced).to.equal(undefined);
                expect(result.stats).to.deep.equal({ count: 2, bytes: 3, oldestTimestamp: t0 + 1 });
                expect(result.staleHeldTokens).to.deep.equal([ended]);
                expect(result.lock).to.deep.include({ deviceId: X, connectionId: 'c-x-old', token });
                expect(hex(result.lock?.encryptedScope ?? bytes())).to.equal('c0');
                const presence = await context.backend().coordinator.listPresence(group, t0);
                expect(presence.map((entry) => [entry.deviceId, entry.connectionId, entry.eligible])).to.deep.equal([
                    [X, 'c-x-new', false],
                ]);
                // A device that was no member becomes one.
                const z = await registerLogin(Z, 'c-z', false);
                expect(z.stats).to.deep.equal({ count: 0, bytes: 0, oldestTimestamp: undefined });
                expect(await queue().listSlots(group)).to.deep.equal(sortedIds([X, Y, Z]));
            });

            it('empties a NEW slot’s queue first (its seqs start again) and replaces an older connection', async function () {
                await members(X, Y);
                await append(S, bytes(1));
                await append(S, bytes(2));
                const first = await registerLogin(Y, 'c-y1', false);
                expect(first.stats.count).to.equal(2);
                expect(first.lock).to.equal(undefined);
                expect(first.staleHeldTokens).to.deep.equal([]);
                const second = await registerLogin(Y, 'c-y2', true);
                expect(second.replaced).to.deep.include({ deviceId: Y, connectionId: 'c-y1' });
                expect(second.stats).to.deep.equal({ count: 0, bytes: 0, oldestTimestamp: undefined });
                expect(await queue().listSlots(group)).to.deep.equal(sortedIds([X, Y]));
                await append(S, bytes(3));
                expect(await seqsOf(Y)).to.deep.equal([1]);
                expect(await envelopesOf(X)).to.deep.equal(['01', '02', '03']);
            });

            it('logins of several devices at once (a reconnect storm) each get their own result', async function () {
                await members(X, Y);
                await append(S, bytes(1, 2));
                const [x, y, z, again] = await Promise.all([
                    registerLogin(X, 'c-x', false),
                    registerLogin(Y, 'c-y', true),
                    registerLogin(Z, 'c-z', false),
                    registerLogin(X, 'c-x2', false),
                ]);
                expect(x?.stats).to.deep.equal({ count: 1, bytes: 2, oldestTimestamp: t0 });
                expect(y?.stats).to.deep.equal({ count: 0, bytes: 0, oldestTimestamp: undefined });
                expect(z?.stats).to.deep.equal({ count: 0, bytes: 0, oldestTimestamp: undefined });
                // In the order given: the second connection of X replaces the first.
                expect(x?.replaced).to.equal(undefined);
                expect(again?.replaced).to.deep.include({ deviceId: X, connectionId: 'c-x' });
                const presence = await context.backend().coordinator.listPresence(group, t0);
                expect(presence.map((entry) => [entry.deviceId, entry.connectionId]).sort()).to.deep.equal(
                    [
                        [X, 'c-x2'],
                        [Y, 'c-y'],
                        [Z, 'c-z'],
                    ].sort(),
                );
                expect(await queue().listSlots(group)).to.deep.equal(sortedIds([X, Y, Z]));
            });
        });

        describe('read', function () {
            it('returns items after afterSeq, at most maxItems', async function () {
                await members(X);
                for (const value of [1, 2, 3, 4, 5]) await append(S, bytes(value));
                const all = await readAll(X);
                const firstTwo = await queue().read(group, X, -1, 2, 1_000);
                expect(firstTwo.map((item) => hex(item.envelope))).to.deep.equal(['01', '02']);
                const nextTwo = await queue().read(group, X, firstTwo[1]?.seq ?? -1, 2, 1_000);
                expect(nextTwo.map((item) => hex(item.envelope))).to.deep.equal(['03', '04']);
                expect(await queue().read(group, X, all[4]?.seq ?? -1, 10, 1_000)).to.deep.equal([]);
            });

            it('stops before maxBytes but always returns one item when any exists', async function () {
                await members(X);
                for (const value of [1, 2, 3]) await append(S, new Uint8Array(4).fill(value));
                const count = async (maxBytes: number) => (await queue().read(group, X, -1, 10, maxBytes)).length;
                expect(await count(8)).to.equal(2);
                expect(await count(7)).to.equal(1);
                expect(await count(1)).to.equal(1);
                expect(await count(0)).to.equal(1);
                expect(await count(12)).to.equal(3);
            });

            it('returns nothing for an unknown slot', async function () {
                expect(await readAll(X)).to.deep.equal([]);
            });
        });

        describe('stats', function () {
            it('counts items and bytes and reports the oldest timestamp', async function () {
                await members(X);
                expect(await queue().stats(group, X)).to.deep.equal({ count: 0, bytes: 0, oldestTimestamp: undefined });
                await append(S, bytes(1, 2), { timestamp: t0 + 1 });
                await append(S, bytes(3, 4, 5), { timestamp: t0 + 2 });
                expect(await queue().stats(group, X)).to.deep.equal({ count: 2, bytes: 5, oldestTimestamp: t0 + 1 });
                await queue().ack(group, X, (await seqsOf(X))[0] ?? -1);
                expect(await queue().stats(group, X)).to.deep.equal({ count: 1, bytes: 3, oldestTimestamp: t0 + 2 });
            });
        });

        describe('deleteGroup', function () {
            it('deletes queues, membership and held items, and may be repeated', async function () {
                await members(X, Y);
                await append(S, bytes(1));
                const token = await takeLock(S, 'c-s');
                await append(S, bytes(2), { hold: token });
                await queue().deleteGroup(group);
                await queue().deleteGroup(group);
                expect(await queue().listSlots(group)).to.deep.equal([]);
                expect(await readAll(X)).to.deep.equal([]);
                expect(await queue().staleHeldTokens(group, t0 + 60_000)).to.deep.equal([]);
                expect(await queue().releaseHeld(group, token, LIMITS)).to.deep.equal({
                    released: 0,
                    overflowed: [],
                });
            });
        });
    });
}
