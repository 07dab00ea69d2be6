/**
 * The embedded backend: the shared storage contracts, plus what only this
 * backend can show (payload reference counting, asynchronous in-order
 * delivery, queue compaction, memory at scale).
 */
import { expect } from 'chai';
import { DeviceSlotExpirationPolicy, DeviceSlotsExhaustedPolicy, type DeviceId } from '../../../d2m/index.js';
import { StorageError } from '../../../src/errors.js';
import type { GroupEvent } from '../../../src/storage/group-coordinator.js';
import { createMemoryBackend, type MemoryBackend } from '../../../src/storage/memory-backend.js';
import type { QueueLimits } from '../../../src/storage/reflection-queue.js';
import { deviceGroupStoreContract } from '../../contract/device-group-store.contract.js';
import { groupCoordinatorContract } from '../../contract/group-coordinator.contract.js';
import { reflectionQueueContract } from '../../contract/reflection-queue.contract.js';
import { bytes, deviceId, randomGroupId, TEST_POLICY } from '../../contract/support.js';

const factory = () => Promise.resolve(createMemoryBackend());

deviceGroupStoreContract('memory', factory);
reflectionQueueContract('memory', factory);
groupCoordinatorContract('memory', factory);

const LIMITS: QueueLimits = { maxCount: 1_000_000, maxBytes: 1_000_000_000 };
const S = deviceId(1);
const X = deviceId(2);
const Y = deviceId(3);
const Z = deviceId(4);

describe('memory backend', function () {
    let backend: MemoryBackend;

    beforeEach(function () {
        backend = createMemoryBackend();
    });

    afterEach(async function () {
        await backend.close();
    });

    it('says it is embedded and not durable', function () {
        expect(backend.kind).to.equal('embedded');
        expect(backend.durable).to.equal(false);
    });

    it('rejects calls after close with a non-retryable StorageError', async function () {
        await backend.close();
        const group = randomGroupId();
        for (const call of [
            () => backend.groups.listSlots(group),
            () => backend.queue.listSlots(group),
            () => backend.coordinator.listPresence(group, 0),
        ]) {
            const error: unknown = await call().then(
                () => undefined,
                (reason: unknown) => reason,
            );
            expect(error).to.be.instanceOf(StorageError);
            expect((error as StorageError).retryable).to.equal(false);
        }
    });

    describe('payload storage', function () {
        it('stores a payload once for all recipients and frees it after the last ack', async function () {
            const { queue } = backend;
            const group = randomGroupId();
            for (const device of [X, Y, Z]) await queue.addSlot(group, device);
            await queue.append({
                groupId: group,
                senderDeviceId: S,
                flags: 0,
                envelope: bytes(1, 2, 3),
                timestamp: 1,
                limits: LIMITS,
            });
            expect(await queue.payloadStats(group)).to.deep.equal({ count: 1, bytes: 3 });
            for (const device of [X, Y]) {
                const [item] = await queue.read(group, device, 0, 10, 100);
                await queue.ack(group, device, item?.seq ?? -1);
                expect(await queue.payloadStats(group)).to.deep.equal({ count: 1, bytes: 3 });
            }
            await queue.removeSlot(group, Z);
            expect(await queue.payloadStats(group)).to.deep.equal({ count: 0, bytes: 0 });
        });

        it('counts held payloads until they are released and acked', async function () {
            const { queue } = backend;
            const group = randomGroupId();
            await queue.addSlot(group, X);
            const lock = await backend.coordinator.beginTransaction(group, {
                deviceId: S,
                connectionId: 'c',
                encryptedScope: bytes(),
                ttlMs: 1_000,
                now: 0,
            });
            const hold = lock.status === 'acquired' ? lock.lock.token : expect.fail('lock not acquired');
            const request = { groupId: group, senderDeviceId: S, flags: 0, timestamp: 1, limits: LIMITS, hold };
            await queue.append({ ...request, envelope: bytes(1, 1) });
            await queue.append({ ...request, envelope: bytes(2) });
            expect(await queue.payloadStats(group)).to.deep.equal({ count: 2, bytes: 3 });
            await queue.releaseHeld(group, hold, LIMITS);
            expect(await queue.payloadStats(group)).to.deep.equal({ count: 2, bytes: 3 });
            for (const item of await queue.read(group, X, 0, 10, 100)) await queue.ack(group, X, item.seq);
            expect(await queue.payloadStats(group)).to.deep.equal({ count: 0, bytes: 0 });
        });

        it('releases payloads dropped by an overflow', async function () {
            const { queue } = backend;
            const group = randomGroupId();
            await queue.addSlot(group, X);
            const request = { groupId: group, senderDeviceId: S, flags: 0, timestamp: 1 };
            await queue.append({ ...request, envelope: bytes(1), limits: { maxCount: 1, maxBytes: 10 } });
            const result = await queue.append({
                ...request,
                envelope: bytes(2),
                limits: { maxCount: 1, maxBytes: 10 },
            });
            expect(result.overflowed).to.deep.equal([X]);
            expect(await queue.payloadStats(group)).to.deep.equal({ count: 0, bytes: 0 });
        });
    });

    describe('long queues', function () {
        it('keeps seqs and reads right while acked items are compacted away', async function () {
            const { queue } = backend;
            const group = randomGroupId();
            await queue.addSlot(group, X);
            const total = 5_000;
            for (let index = 0; index < total; index++) {
                await queue.append({
                    groupId: group,
                    senderDeviceId: S,
                    flags: 0,
                    envelope: Uint8Array.of(index & 0xff, index >> 8),
                    timestamp: index,
                    limits: LIMITS,
                });
            }
            const all = await queue.read(group, X, 0, total, Number.MAX_SAFE_INTEGER);
            expect(all).to.have.length(total);
            const seqs = all.map((item) => item.seq);
            // Ack every other item of the first part, then the rest of it, so holes and compaction both happen.
            for (let index = 0; index < 4_000; index += 2)
                expect(await queue.ack(group, X, seqs[index] ?? -1)).to.equal(true);
            for (let index = 1; index < 4_000; index += 2)
                expect(await queue.ack(group, X, seqs[index] ?? -1)).to.equal(true);
            expect(await queue.stats(group, X)).to.deep.equal({ count: 1_000, bytes: 2_000, oldestTimestamp: 4_000 });
            const rest = await queue.read(group, X, 0, total, Number.MAX_SAFE_INTEGER);
            expect(rest.map((item) => item.seq)).to.deep.equal(seqs.slice(4_000));
            expect(rest.map((item) => item.timestamp)).to.deep.equal(seqs.slice(4_000).map((_, i) => 4_000 + i));
            const page = await queue.read(group, X, seqs[4_499] ?? -1, 3, Number.MAX_SAFE_INTEGER);
            expect(page.map((item) => item.timestamp)).to.deep.equal([4_500, 4_501, 4_502]);
            expect(await queue.ack(group, X, seqs[3_999] ?? -1)).to.equal(false);
            expect(await queue.ack(group, X, seqs[4_999] ?? -1)).to.equal(true);
            expect(await queue.ack(group, X, seqs[4_000] ?? -1)).to.equal(true);
            expect(await queue.stats(group, X)).to.deep.include({ count: 998, oldestTimestamp: 4_001 });
        });
    });

    describe('event delivery', function () {
        it('runs handlers after the publishing call, in publication order', async function () {
            const group = randomGroupId();
            const received: GroupEvent[] = [];
            await backend.coordinator.subscribe(group, (event) => received.push(event));
            const first = backend.coordinator.publish(group, { type: 'appended', deviceIds: [X] });
            const second = backend.coordinator.publish(group, { type: 'appended', deviceIds: [Y] });
            expect(received).to.deep.equal([]);
            await Promise.all([first, second]);
            await Promise.resolve();
            expect(received).to.deep.equal([
                { type: 'appended', deviceIds: [X] },
                { type: 'appended', deviceIds: [Y] },
            ]);
        });

        it('keeps delivering to other handlers when one throws', async function () {
            const errors: unknown[] = [];
            const local = createMemoryBackend({ onHandlerError: (error) => errors.push(error) });
            try {
                const group = randomGroupId();
                const received: GroupEvent[] = [];
                await local.coordinator.subscribe(group, () => {
                    throw new Error('handler failed');
                });
                await local.coordinator.subscribe(group, (event) => received.push(event));
                await local.coordinator.publish(group, { type: 'appended', deviceIds: [X] });
                await new Promise((resolve) => setImmediate(resolve));
                expect(received).to.have.length(1);
                expect(errors).to.have.length(1);
            } finally {
                await local.close();
            }
        });
    });

    describe('scale', function () {
        it('holds tens of thousands of devices', async function () {
            this.timeout(60_000);
            const groups = 10_000;
            const perGroup = 3;
            const groupIds = Array.from({ length: groups }, () => randomGroupId());
            const before = process.memoryUsage().heapUsed;
            for (const groupId of groupIds) {
                for (let device = 1; device <= perGroup; device++) {
                    const id: DeviceId = deviceId(device);
                    const result = await backend.groups.loginSlot({
                        groupId,
                        deviceId: id,
                        expirationPolicy: DeviceSlotExpirationPolicy.PERSISTENT,
                        encryptedDeviceInfo: new Uint8Array(64),
                        expectedState: undefined,
                        exhaustedPolicy: DeviceSlotsExhaustedPolicy.REJECT,
                        onlineDeviceIds: new Set(),
                        defaults: TEST_POLICY,
                        now: 1_000,
                    });
                    expect(result.status).to.equal('ok');
                    await backend.groups.recordDisconnect(groupId, id, 2_000);
                    await backend.queue.addSlot(groupId, id);
                    await backend.coordinator.register(groupId, {
                        deviceId: id,
                        expiresAt: 3_000,
                        connectionId: `n/${groupId}/${device}`,
                        nodeId: 'n',
                        connectedSince: 1_000,
                    });
                }
            }
            const perDevice = (process.memoryUsage().heapUsed - before) / (groups * perGroup);
            // Device info (64 B), slot record, queue record and presence: well under 2 KiB each.
            expect(perDevice).to.be.below(2_048);
            expect(await backend.groups.listGroups()).to.have.length(groups);
            expect(
                await backend.groups.listExpiryCandidates(2_000 + TEST_POLICY.persistentExpiryMs, TEST_POLICY, 5),
            ).to.have.length(5);
        });
    });
});
