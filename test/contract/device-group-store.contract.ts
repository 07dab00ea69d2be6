/**
 * The DeviceGroupStore contract (src/storage/device-group-store.ts), written
 * once and run against every backend. Times are explicit `now` values, so no
 * test sleeps.
 */
import { expect } from 'chai';
import {
    DeviceSlotExpirationPolicy,
    DeviceSlotsExhaustedPolicy,
    DeviceSlotState,
    type DeviceId,
} from '../../d2m/index.js';
import type { LoginSlotRequest, LoginSlotResult } from '../../src/storage/device-group-store.js';
import type { GroupId, SlotPolicy } from '../../src/storage/types.js';
import {
    bytes,
    DAY_MS,
    deviceId,
    hex,
    MINUTE_MS,
    sortedIds,
    TEST_POLICY,
    useBackend,
    type BackendFactory,
} from './support.js';

const { VOLATILE, PERSISTENT } = DeviceSlotExpirationPolicy;
const { NEW, EXISTING } = DeviceSlotState;
const { REJECT, DROP_LEAST_RECENT } = DeviceSlotsExhaustedPolicy;

const A = deviceId(0xa1);
const B = deviceId(0xb2);
const C = deviceId(0xc3);
const D = deviceId(0xd4);
const E = deviceId(0xe5);

/** `policy`: the defaults the request carries (the group's override applies over them). */
type LoginOptions = Partial<Omit<LoginSlotRequest, 'groupId' | 'deviceId' | 'defaults'>> & {
    readonly policy?: SlotPolicy;
};

export function deviceGroupStoreContract(name: string, factory: BackendFactory): void {
    describe(`${name}: DeviceGroupStore contract`, function () {
        const context = useBackend(factory);
        const store = () => context.backend().groups;
        /** A realistic base time; every test derives its `now` values from it. */
        let t0: number;
        let group: GroupId;

        beforeEach(function () {
            t0 = Date.now();
            group = context.groupId();
        });

        function login(device: DeviceId, options: LoginOptions = {}, groupId = group): Promise<LoginSlotResult> {
            const { policy = TEST_POLICY, ...rest } = options;
            return store().loginSlot({
                groupId,
                deviceId: device,
                expirationPolicy: PERSISTENT,
                encryptedDeviceInfo: bytes(1, 2, 3),
                expectedState: undefined,
                exhaustedPolicy: REJECT,
                onlineDeviceIds: new Set(),
                defaults: policy,
                now: t0,
                ...rest,
            });
        }

        async function expectOk(result: Promise<LoginSlotResult>): Promise<Extract<LoginSlotResult, { status: 'ok' }>> {
            const settled = await result;
            if (settled.status !== 'ok') expect.fail(`expected ok, got ${JSON.stringify(settled)}`);
            return settled;
        }

        async function slotIds(groupId = group): Promise<DeviceId[]> {
            return sortedIds((await store().listSlots(groupId)).map((slot) => slot.deviceId));
        }

        function policyWith(override: Partial<SlotPolicy>): SlotPolicy {
            return { ...TEST_POLICY, ...override };
        }

        describe('loginSlot', function () {
            it('creates a NEW slot holding the request data', async function () {
                const result = await expectOk(
                    login(A, { expirationPolicy: VOLATILE, encryptedDeviceInfo: bytes(9, 8, 7), expectedState: NEW }),
                );
                expect(result).to.deep.include({ slotState: NEW, evicted: [], expired: [] });
                const slot = await store().getSlot(group, A);
                expect(slot).to.not.equal(undefined);
                expect(slot?.deviceId).to.equal(A);
                expect(slot?.expirationPolicy).to.equal(VOLATILE);
                expect(hex(slot?.encryptedDeviceInfo ?? bytes())).to.equal('090807');
                expect(slot?.createdAt).to.equal(t0);
                expect(slot?.lastLoginAt).to.equal(t0);
                expect(slot?.lastDisconnectAt).to.equal(undefined);
            });

            it('reuses the slot as EXISTING: new device info, policy and login time, same createdAt', async function () {
                await expectOk(login(A, { expirationPolicy: VOLATILE }));
                await store().recordDisconnect(group, A, t0 + 10);
                const result = await expectOk(
                    login(A, {
                        now: t0 + 20,
                        expectedState: EXISTING,
                        expirationPolicy: PERSISTENT,
                        encryptedDeviceInfo: bytes(4, 5),
                    }),
                );
                expect(result).to.deep.include({ slotState: EXISTING, evicted: [], expired: [] });
                const slot = await store().getSlot(group, A);
                expect(slot?.expirationPolicy).to.equal(PERSISTENT);
                expect(hex(slot?.encryptedDeviceInfo ?? bytes())).to.equal('0405');
                expect(slot?.createdAt).to.equal(t0);
                expect(slot?.lastLoginAt).to.equal(t0 + 20);
                expect(await slotIds()).to.deep.equal([A]);
            });

            it('stores a copy of the device info', async function () {
                const info = bytes(1, 1, 1);
                await expectOk(login(A, { encryptedDeviceInfo: info }));
                info.fill(0xff);
                expect(hex((await store().getSlot(group, A))?.encryptedDeviceInfo ?? bytes())).to.equal('010101');
            });

            it('answers a mismatch when EXISTING is expected but no slot exists, and writes nothing', async function () {
                expect(await login(A, { expectedState: EXISTING })).to.deep.equal({
                    status: 'slot-state-mismatch',
                    actual: NEW,
                });
                expect(await store().getSlot(group, A)).to.equal(undefined);
                expect(await slotIds()).to.deep.equal([]);
            });

            it('answers a mismatch when NEW is expected but the slot exists, and writes nothing', async function () {
                await expectOk(login(A, { encryptedDeviceInfo: bytes(1) }));
                const before = await store().getSlot(group, A);
                expect(
                    await login(A, {
                        now: t0 + 5,
                        expectedState: NEW,
                        encryptedDeviceInfo: bytes(2),
                        expirationPolicy: VOLATILE,
                    }),
                ).to.deep.equal({ status: 'slot-state-mismatch', actual: EXISTING });
                expect(await store().getSlot(group, A)).to.deep.equal(before);
            });

            it('does not check the state when expectedState is undefined', async function () {
                expect((await expectOk(login(A, { expectedState: undefined }))).slotState).to.equal(NEW);
                expect((await expectOk(login(A, { expectedState: undefined }))).slotState).to.equal(EXISTING);
            });

            it('with REJECT, refuses a new slot when all slots are in use and writes nothing', async function () {
                const policy = policyWith({ maxDeviceSlots: 2 });
                await expectOk(login(A, { policy }));
                await expectOk(login(B, { policy }));
                expect(await login(C, { policy, expectedState: NEW })).to.deep.equal({
                    status: 'device-limit-reached',
                });
                expect(await slotIds()).to.deep.equal([A, B]);
                // A device that already has a slot still logs in.
                expect((await expectOk(login(B, { policy, now: t0 + 1 }))).slotState).to.equal(EXISTING);
            });

            it('gives the last free slot to exactly one of two concurrent logins', async function () {
                const policy = policyWith({ maxDeviceSlots: 2 });
                await expectOk(login(A, { policy }));
                const results = await Promise.all([
                    login(B, { policy, expectedState: NEW, now: t0 + 1 }),
                    login(C, { policy, expectedState: NEW, now: t0 + 1 }),
                ]);
                const statuses = results.map((result) => result.status).sort();
                expect(statuses).to.deep.equal(['device-limit-reached', 'ok']);
                const winner = results[0]?.status === 'ok' ? B : C;
                expect(await slotIds()).to.deep.equal(sortedIds([A, winner]));
            });

            it('creates a slot once when the same device logs in twice concurrently', async function () {
                const results = await Promise.all([login(A), login(A)]);
                const states = results.map((result) => (result.status === 'ok' ? result.slotState : result.status));
                expect(states.sort()).to.deep.equal([NEW, EXISTING].sort());
                expect(await slotIds()).to.deep.equal([A]);
            });

            it('never exceeds the limit under concurrent DROP_LEAST_RECENT logins', async function () {
                const policy = policyWith({ maxDeviceSlots: 2 });
                await expectOk(login(A, { policy }));
                await expectOk(login(B, { policy, now: t0 + 1 }));
                const results = await Promise.all([
                    expectOk(login(C, { policy, exhaustedPolicy: DROP_LEAST_RECENT, now: t0 + 2 })),
                    expectOk(login(D, { policy, exhaustedPolicy: DROP_LEAST_RECENT, now: t0 + 2 })),
                ]);
                // Each login sees the other's result: A (oldest) goes first, then B.
                expect(sortedIds(results.flatMap((result) => result.evicted))).to.deep.equal([A, B]);
                expect(await slotIds()).to.deep.equal([C, D]);
            });

            it('with DROP_LEAST_RECENT, evicts an offline slot before an older online one', async function () {
                const policy = policyWith({ maxDeviceSlots: 2 });
                await expectOk(login(A, { policy, now: t0 }));
                await expectOk(login(B, { policy, now: t0 + 10 }));
                await store().recordDisconnect(group, B, t0 + 20);
                const result = await expectOk(
                    login(C, {
                        policy,
                        now: t0 + 30,
                        exhaustedPolicy: DROP_LEAST_RECENT,
                        onlineDeviceIds: new Set([A]),
                    }),
                );
                expect(result.slotState).to.equal(NEW);
                expect(result.evicted).to.deep.equal([B]);
                expect(await slotIds()).to.deep.equal([A, C]);
                expect(await store().getSlot(group, B)).to.equal(undefined);
            });

            it('evicts an online slot when every slot is online', async function () {
                const policy = policyWith({ maxDeviceSlots: 2 });
                await expectOk(login(A, { policy, now: t0 }));
                await expectOk(login(B, { policy, now: t0 + 10 }));
                const result = await expectOk(
                    login(C, {
                        policy,
                        now: t0 + 30,
                        exhaustedPolicy: DROP_LEAST_RECENT,
                        onlineDeviceIds: new Set([A, B]),
                    }),
                );
                expect(result.evicted).to.deep.equal([A]);
                expect(await slotIds()).to.deep.equal([B, C]);
            });

            it('ranks offline victims by their latest activity, login or disconnect', async function () {
                const policy = policyWith({ maxDeviceSlots: 3 });
                // Activity: A at t0+50 (disconnect), B at t0+20 (disconnect), C at t0+30 (login).
                await expectOk(login(A, { policy, now: t0 }));
                await expectOk(login(B, { policy, now: t0 + 10 }));
                await store().recordDisconnect(group, B, t0 + 20);
                await expectOk(login(C, { policy, now: t0 + 30 }));
                await store().recordDisconnect(group, A, t0 + 50);
                const drop = { policy, exhaustedPolicy: DROP_LEAST_RECENT };
                expect((await expectOk(login(D, { ...drop, now: t0 + 100 }))).evicted).to.deep.equal([B]);
                expect(
                    (await expectOk(login(E, { ...drop, now: t0 + 100, onlineDeviceIds: new Set([D]) }))).evicted,
                ).to.deep.equal([C]);
                expect(await slotIds()).to.deep.equal([A, D, E]);
            });

            it('ranks equal activity by creation time, oldest first', async function () {
                const policy = policyWith({ maxDeviceSlots: 2 });
                await expectOk(login(B, { policy, now: t0 }));
                await expectOk(login(A, { policy, now: t0 + 5 }));
                await expectOk(login(A, { policy, now: t0 + 100 }));
                await expectOk(login(B, { policy, now: t0 + 100 }));
                const result = await expectOk(login(C, { policy, now: t0 + 200, exhaustedPolicy: DROP_LEAST_RECENT }));
                expect(result.evicted).to.deep.equal([B]);
            });

            it('evicts nothing when the device already has a slot', async function () {
                const policy = policyWith({ maxDeviceSlots: 1 });
                await expectOk(login(A, { policy }));
                const result = await expectOk(login(A, { policy, now: t0 + 1, exhaustedPolicy: DROP_LEAST_RECENT }));
                expect(result).to.deep.include({ slotState: EXISTING, evicted: [] });
            });

            it('evicts as many slots as needed when the limit was lowered', async function () {
                await expectOk(login(A, { now: t0 }));
                await expectOk(login(B, { now: t0 + 1 }));
                await expectOk(login(C, { now: t0 + 2 }));
                const policy = policyWith({ maxDeviceSlots: 2 });
                const result = await expectOk(login(D, { policy, now: t0 + 3, exhaustedPolicy: DROP_LEAST_RECENT }));
                expect(sortedIds(result.evicted)).to.deep.equal([A, B]);
                expect(await slotIds()).to.deep.equal([C, D]);
            });

            it('lets two devices of one group with free slots log in concurrently, both NEW', async function () {
                await expectOk(login(A));
                const results = await Promise.all([
                    expectOk(login(B, { now: t0 + 1, expectedState: NEW })),
                    expectOk(login(C, { now: t0 + 1, expectedState: NEW })),
                ]);
                for (const result of results) expect(result).to.deep.include({ slotState: NEW, evicted: [] });
                expect(await slotIds()).to.deep.equal(sortedIds([A, B, C]));
            });

            it('evicts exactly one victim for two concurrent logins of one device into a full group', async function () {
                const policy = policyWith({ maxDeviceSlots: 2 });
                await expectOk(login(A, { policy }));
                await expectOk(login(B, { policy, now: t0 + 1 }));
                const drop = { policy, exhaustedPolicy: DROP_LEAST_RECENT, now: t0 + 2 };
                const results = await Promise.all([expectOk(login(C, drop)), expectOk(login(C, drop))]);
                expect(results.map((result) => result.slotState).sort()).to.deep.equal([NEW, EXISTING].sort());
                expect(results.flatMap((result) => result.evicted)).to.deep.equal([A]);
                expect(await slotIds()).to.deep.equal([B, C]);
            });

            it('neither evicts nor writes when the expected state does not match a full group', async function () {
                const policy = policyWith({ maxDeviceSlots: 1 });
                await expectOk(login(A, { policy }));
                expect(
                    await login(B, {
                        policy,
                        now: t0 + 1,
                        exhaustedPolicy: DROP_LEAST_RECENT,
                        expectedState: EXISTING,
                    }),
                ).to.deep.equal({ status: 'slot-state-mismatch', actual: NEW });
                expect(await slotIds()).to.deep.equal([A]);
            });

            it('frees places by expiry before it evicts', async function () {
                const policy = policyWith({ maxDeviceSlots: 2 });
                await expectOk(login(A, { policy, expirationPolicy: VOLATILE }));
                await expectOk(login(B, { policy, now: t0 + 1 }));
                await store().recordDisconnect(group, A, t0 + 2);
                const now = t0 + 2 + policy.volatileGraceMs;
                const result = await expectOk(login(C, { policy, now, exhaustedPolicy: DROP_LEAST_RECENT }));
                expect(result).to.deep.include({ slotState: NEW, expired: [A], evicted: [] });
                expect(await slotIds()).to.deep.equal([B, C]);
            });

            it("decides with the group's policy override over the defaults and answers the effective policy", async function () {
                await store().setPolicyOverride(group, { maxDeviceSlots: 1, queueMaxCount: 5 });
                const first = await expectOk(login(A));
                expect(first.policy).to.deep.equal({ ...TEST_POLICY, maxDeviceSlots: 1, queueMaxCount: 5 });
                expect(await login(B, { now: t0 + 1 })).to.deep.equal({ status: 'device-limit-reached' });
                const result = await expectOk(login(B, { now: t0 + 2, exhaustedPolicy: DROP_LEAST_RECENT }));
                expect(result.evicted).to.deep.equal([A]);
                // Another group keeps the defaults.
                const other = await expectOk(login(A, {}, context.groupId()));
                expect(other.policy).to.deep.equal(TEST_POLICY);
            });

            it('applies an override that says "never" (Infinity) to the limit and to expiry', async function () {
                await store().setPolicyOverride(group, { maxDeviceSlots: Infinity, persistentExpiryMs: Infinity });
                for (const device of [A, B, C, D]) await expectOk(login(device));
                await store().recordDisconnect(group, A, t0 + 1);
                const result = await expectOk(login(E, { now: t0 + 1_000 * DAY_MS }));
                expect(result).to.deep.include({ expired: [], evicted: [] });
                expect(result.policy.maxDeviceSlots).to.equal(Infinity);
                expect(await slotIds()).to.deep.equal([A, B, C, D, E]);
            });

            it('answers the shared device data, empty when none was set', async function () {
                expect(hex((await expectOk(login(A))).encryptedSharedDeviceData)).to.equal('');
                await store().setSharedDeviceData(group, bytes(7, 7));
                const result = await expectOk(login(A, { now: t0 + 1 }));
                expect(hex(result.encryptedSharedDeviceData)).to.equal('0707');
            });
        });

        describe('loginSlot and expiry', function () {
            const grace = TEST_POLICY.volatileGraceMs;
            const persistentExpiry = TEST_POLICY.persistentExpiryMs;
            const single = policyWith({ maxDeviceSlots: 1 });

            it('treats a volatile slot as absent once the grace after its disconnect has passed', async function () {
                await expectOk(login(A, { policy: single, expirationPolicy: VOLATILE }));
                await store().recordDisconnect(group, A, t0 + 1_000);
                expect(await login(B, { policy: single, now: t0 + 1_000 + grace - 1 })).to.deep.equal({
                    status: 'device-limit-reached',
                });
                const result = await expectOk(login(B, { policy: single, now: t0 + 1_000 + grace }));
                expect(result).to.deep.include({ slotState: NEW, evicted: [], expired: [A] });
                expect(await store().getSlot(group, A)).to.equal(undefined);
                expect(await slotIds()).to.deep.equal([B]);
            });

            it('measures an offline volatile slot without a disconnect from its login', async function () {
                await expectOk(login(A, { policy: single, expirationPolicy: VOLATILE }));
                const result = await expectOk(login(B, { policy: single, now: t0 + grace }));
                expect(result.expired).to.deep.equal([A]);
            });

            it('never expires the slot of an online device', async function () {
                await expectOk(login(A, { policy: single, expirationPolicy: VOLATILE }));
                await store().recordDisconnect(group, A, t0 + 1);
                expect(
                    await login(B, { policy: single, now: t0 + 100 * DAY_MS, onlineDeviceIds: new Set([A]) }),
                ).to.deep.equal({ status: 'device-limit-reached' });
                expect(await slotIds()).to.deep.equal([A]);
            });

            it('treats a persistent slot as absent after persistentExpiryMs without a login', async function () {
                await expectOk(login(A, { policy: single, expirationPolicy: PERSISTENT }));
                await store().recordDisconnect(group, A, t0 + 1);
                expect(await login(B, { policy: single, now: t0 + persistentExpiry - 1 })).to.deep.equal({
                    status: 'device-limit-reached',
                });
                const result = await expectOk(login(B, { policy: single, now: t0 + persistentExpiry }));
                expect(result.expired).to.deep.equal([A]);
                expect(await slotIds()).to.deep.equal([B]);
            });

            it("treats the device's own expired slot as absent", async function () {
                await expectOk(login(A, { expirationPolicy: VOLATILE, encryptedDeviceInfo: bytes(1) }));
                await store().recordDisconnect(group, A, t0 + 1);
                const later = t0 + 1 + grace;
                expect(await login(A, { now: later, expectedState: EXISTING })).to.deep.equal({
                    status: 'slot-state-mismatch',
                    actual: NEW,
                });
                const result = await expectOk(
                    login(A, { now: later, expectedState: NEW, encryptedDeviceInfo: bytes(2) }),
                );
                expect(result).to.deep.include({ slotState: NEW, expired: [A], evicted: [] });
                const slot = await store().getSlot(group, A);
                expect(slot?.createdAt).to.equal(later);
                expect(hex(slot?.encryptedDeviceInfo ?? bytes())).to.equal('02');
            });

            it('sweeps every expired slot of the group and frees their places', async function () {
                const policy = policyWith({ maxDeviceSlots: 3 });
                await expectOk(login(A, { policy, expirationPolicy: VOLATILE }));
                await expectOk(login(B, { policy, expirationPolicy: VOLATILE }));
                await expectOk(login(C, { policy, expirationPolicy: PERSISTENT }));
                await store().recordDisconnect(group, A, t0 + 1);
                await store().recordDisconnect(group, B, t0 + 1);
                const result = await expectOk(login(D, { policy, now: t0 + 1 + grace, expectedState: NEW }));
                expect(sortedIds(result.expired)).to.deep.equal([A, B]);
                expect(result.evicted).to.deep.equal([]);
                expect(await slotIds()).to.deep.equal([C, D]);
            });
        });

        describe('loginSlot reads presence only when the decision depends on it', function () {
            const grace = TEST_POLICY.volatileGraceMs;
            const persistentExpiry = TEST_POLICY.persistentExpiryMs;

            /** A presence read that counts its calls. */
            function presence(...online: DeviceId[]) {
                const read = {
                    calls: 0,
                    online: (): Promise<ReadonlySet<DeviceId>> => {
                        read.calls += 1;
                        return Promise.resolve(new Set(online));
                    },
                };
                return read;
            }

            it('does not read it for a reconnect, a new slot with room, or a refusal that cannot change', async function () {
                const policy = policyWith({ maxDeviceSlots: 2 });
                const read = presence(A, B);
                expect((await expectOk(login(A, { policy, onlineDeviceIds: read.online }))).slotState).to.equal(NEW);
                expect((await expectOk(login(B, { policy, onlineDeviceIds: read.online }))).slotState).to.equal(NEW);
                const again = await expectOk(login(A, { policy, now: t0 + 10, onlineDeviceIds: read.online }));
                expect(again).to.deep.include({ slotState: EXISTING, expired: [], evicted: [] });
                expect(await login(C, { policy, now: t0 + 20, onlineDeviceIds: read.online })).to.deep.equal({
                    status: 'device-limit-reached',
                });
                expect(
                    await login(C, { policy, now: t0 + 20, expectedState: EXISTING, onlineDeviceIds: read.online }),
                ).to.deep.include({ status: 'slot-state-mismatch' });
                expect(read.calls).to.equal(0);
            });

            it('does not read it when only the device’s own slot expired', async function () {
                const read = presence();
                await expectOk(login(A, { policy: single(), expirationPolicy: PERSISTENT }));
                const result = await expectOk(
                    login(A, { policy: single(), now: t0 + persistentExpiry, onlineDeviceIds: read.online }),
                );
                expect(result).to.deep.include({ slotState: NEW, expired: [A] });
                expect(read.calls).to.equal(0);
            });

            it('reads it once when another slot would have expired, and keeps an online device’s slot', async function () {
                await expectOk(login(A, { policy: single(), expirationPolicy: VOLATILE }));
                await store().recordDisconnect(group, A, t0 + 1);
                const online = presence(A);
                expect(
                    await login(B, { policy: single(), now: t0 + 1 + grace, onlineDeviceIds: online.online }),
                ).to.deep.equal({ status: 'device-limit-reached' });
                expect(online.calls).to.equal(1);
                expect(await slotIds()).to.deep.equal([A]);
                const offline = presence();
                const result = await expectOk(
                    login(B, { policy: single(), now: t0 + 1 + grace, onlineDeviceIds: offline.online }),
                );
                expect(result).to.deep.include({ slotState: NEW, expired: [A], evicted: [] });
                expect(offline.calls).to.equal(1);
                expect(await slotIds()).to.deep.equal([B]);
            });

            it('reads it once for an eviction and ranks online devices last', async function () {
                const policy = policyWith({ maxDeviceSlots: 2 });
                await expectOk(login(A, { policy, now: t0 }));
                await expectOk(login(B, { policy, now: t0 + 10 }));
                await store().recordDisconnect(group, B, t0 + 20);
                const read = presence(A);
                const result = await expectOk(
                    login(C, {
                        policy,
                        now: t0 + 30,
                        exhaustedPolicy: DROP_LEAST_RECENT,
                        onlineDeviceIds: read.online,
                    }),
                );
                expect(result).to.deep.include({ slotState: NEW, evicted: [B] });
                expect(read.calls).to.equal(1);
                expect(await slotIds()).to.deep.equal([A, C]);
            });

            function single(): SlotPolicy {
                return policyWith({ maxDeviceSlots: 1 });
            }
        });

        describe('tombstones', function () {
            it('deletes the slot and refuses logins until the tombstone expires, writing nothing', async function () {
                await expectOk(login(A));
                await store().addTombstone(group, A, t0 + 1_000);
                expect(await store().getSlot(group, A)).to.equal(undefined);
                for (const expectedState of [undefined, NEW, EXISTING]) {
                    expect(await login(A, { now: t0 + 500, expectedState })).to.deep.equal({ status: 'tombstoned' });
                }
                expect(await store().getSlot(group, A)).to.equal(undefined);
                const result = await expectOk(login(A, { now: t0 + 1_001, expectedState: NEW }));
                expect(result.slotState).to.equal(NEW);
            });

            it('can be repeated, and applies to a device without a slot', async function () {
                await store().addTombstone(group, B, t0 + 1_000);
                await store().addTombstone(group, B, t0 + 1_000);
                expect(await login(B, { now: t0 + 1 })).to.deep.equal({ status: 'tombstoned' });
            });

            it('blocks only its own device', async function () {
                await expectOk(login(A));
                await store().addTombstone(group, A, t0 + 1_000);
                expect((await expectOk(login(B, { now: t0 + 1 }))).slotState).to.equal(NEW);
            });

            it('refuses a tombstoned device of a full group without evicting anyone', async function () {
                const policy = policyWith({ maxDeviceSlots: 2 });
                await expectOk(login(A, { policy }));
                await expectOk(login(B, { policy }));
                await store().addTombstone(group, C, t0 + 1_000);
                expect(await login(C, { policy, now: t0 + 1, exhaustedPolicy: DROP_LEAST_RECENT })).to.deep.equal({
                    status: 'tombstoned',
                });
                expect(await slotIds()).to.deep.equal(sortedIds([A, B]));
            });

            it('is deleted by the first login after it expired', async function () {
                await store().addTombstone(group, A, t0 + 1_000);
                await expectOk(login(A, { now: t0 + 1_000 }));
                // Logging in "in the past" shows that the tombstone is gone.
                expect((await expectOk(login(A, { now: t0 + 500 }))).slotState).to.equal(EXISTING);
            });

            it('is deleted by dropSlot', async function () {
                await expectOk(login(A));
                await store().addTombstone(group, A, t0 + 1_000);
                expect(await store().dropSlot(group, A)).to.equal(false);
                expect((await expectOk(login(A, { now: t0 + 1 }))).slotState).to.equal(NEW);
            });
        });

        describe('dropSlot and recordDisconnect', function () {
            it('dropSlot deletes the slot, reports whether it existed and may be repeated', async function () {
                await expectOk(login(A));
                await expectOk(login(B));
                expect(await store().dropSlot(group, A)).to.equal(true);
                expect(await store().dropSlot(group, A)).to.equal(false);
                expect(await store().dropSlot(context.groupId(), A)).to.equal(false);
                expect(await slotIds()).to.deep.equal([B]);
                expect((await expectOk(login(A, { now: t0 + 1 }))).slotState).to.equal(NEW);
            });

            it('recordDisconnect sets lastDisconnectAt, may be repeated and ignores missing slots', async function () {
                await expectOk(login(A));
                await store().recordDisconnect(group, A, t0 + 7);
                await store().recordDisconnect(group, A, t0 + 9);
                const slot = await store().getSlot(group, A);
                expect(slot?.lastDisconnectAt).to.equal(t0 + 9);
                expect(slot?.lastLoginAt).to.equal(t0);
                await store().recordDisconnect(group, B, t0 + 9);
                await store().recordDisconnect(context.groupId(), A, t0 + 9);
                expect(await store().getSlot(group, B)).to.equal(undefined);
            });
        });

        describe('reads', function () {
            it('lists slots by creation time, then device id', async function () {
                await expectOk(login(C, { now: t0 }));
                await expectOk(login(B, { now: t0 + 10 }));
                await expectOk(login(A, { now: t0 + 10 }));
                const slots = await store().listSlots(group);
                expect(slots.map((slot) => slot.deviceId)).to.deep.equal([C, A, B]);
            });

            it('answers undefined and [] for unknown slots and groups', async function () {
                expect(await store().getSlot(group, A)).to.equal(undefined);
                expect(await store().listSlots(group)).to.deep.equal([]);
            });

            it('keeps device ids as full u64 values', async function () {
                const big = deviceId(2n ** 64n - 1n);
                await expectOk(login(big));
                expect((await store().getSlot(group, big))?.deviceId).to.equal(big);
                expect(await slotIds()).to.deep.equal([big]);
            });
        });

        describe('shared device data', function () {
            it('is empty until set, then returns the latest blob', async function () {
                expect(hex(await store().getSharedDeviceData(group))).to.equal('');
                const data = bytes(1, 2, 3);
                await store().setSharedDeviceData(group, data);
                data.fill(0);
                expect(hex(await store().getSharedDeviceData(group))).to.equal('010203');
                await store().setSharedDeviceData(group, bytes(4));
                expect(hex(await store().getSharedDeviceData(group))).to.equal('04');
                expect(hex(await store().getSharedDeviceData(context.groupId()))).to.equal('');
            });
        });

        describe('policy overrides', function () {
            it('are {} until set, replaced as a whole, and removed by {}', async function () {
                expect(await store().getPolicyOverride(group)).to.deep.equal({});
                await store().setPolicyOverride(group, { maxDeviceSlots: 4, volatileGraceMs: 1_000 });
                expect(await store().getPolicyOverride(group)).to.deep.equal({
                    maxDeviceSlots: 4,
                    volatileGraceMs: 1_000,
                });
                await store().setPolicyOverride(group, { queueMaxBytes: 1024 });
                expect(await store().getPolicyOverride(group)).to.deep.equal({ queueMaxBytes: 1024 });
                await store().setPolicyOverride(group, {});
                expect(await store().getPolicyOverride(group)).to.deep.equal({});
            });

            it('keep every field', async function () {
                const override: SlotPolicy = {
                    maxDeviceSlots: 7,
                    queueMaxCount: 11,
                    queueMaxBytes: 13,
                    volatileGraceMs: 17,
                    persistentExpiryMs: 19,
                    tombstoneTtlMs: 23,
                };
                await store().setPolicyOverride(group, override);
                expect(await store().getPolicyOverride(group)).to.deep.equal(override);
            });
        });

        describe('listExpiryCandidates', function () {
            const grace = TEST_POLICY.volatileGraceMs;
            const persistentExpiry = TEST_POLICY.persistentExpiryMs;
            /** Large enough to see every candidate of a shared database. */
            const ALL = 100_000;

            async function candidatesOf(groupId: GroupId, now: number, limit = ALL): Promise<DeviceId[]> {
                const candidates = await store().listExpiryCandidates(now, TEST_POLICY, limit);
                return candidates.filter((candidate) => candidate.groupId === groupId).map((c) => c.deviceId);
            }

            it('lists slots expired by their timestamps, oldest first, without deleting them', async function () {
                // A: volatile, disconnected at t0+2. B: persistent, disconnected at t0+1.
                await expectOk(login(A, { expirationPolicy: VOLATILE }));
                await expectOk(login(B, { expirationPolicy: PERSISTENT }));
                await store().recordDisconnect(group, B, t0 + 1);
                await store().recordDisconnect(group, A, t0 + 2);
                expect(await candidatesOf(group, t0 + 2 + grace - 1)).to.deep.equal([]);
                expect(await candidatesOf(group, t0 + 2 + grace)).to.deep.equal([A]);
                expect(await candidatesOf(group, t0 + persistentExpiry + 5)).to.deep.equal([B, A]);
                expect(await slotIds()).to.deep.equal([A, B]);
            });

            it('treats a slot without a disconnect after its latest login as online since that login', async function () {
                // A disconnected, then logged in again: the old disconnect no longer counts.
                await expectOk(login(A, { expirationPolicy: VOLATILE }));
                await store().recordDisconnect(group, A, t0 + 1);
                await expectOk(login(A, { expirationPolicy: VOLATILE, now: t0 + 5 * MINUTE_MS }));
                // B never disconnected.
                await expectOk(login(B, { expirationPolicy: PERSISTENT }));
                expect(await candidatesOf(group, t0 + 1 + grace)).to.deep.equal([]);
                expect(await candidatesOf(group, t0 + 2 * persistentExpiry)).to.deep.equal([]);
            });

            it("applies each group's policy override over the defaults", async function () {
                const other = context.groupId();
                await store().setPolicyOverride(group, { volatileGraceMs: MINUTE_MS });
                for (const groupId of [group, other]) {
                    await expectOk(login(A, { expirationPolicy: VOLATILE }, groupId));
                    await store().recordDisconnect(groupId, A, t0 + 1);
                }
                expect(await candidatesOf(group, t0 + 1 + MINUTE_MS)).to.deep.equal([A]);
                expect(await candidatesOf(other, t0 + 1 + MINUTE_MS)).to.deep.equal([]);
            });

            it('returns at most `limit` rows', async function () {
                for (const device of [A, B, C]) {
                    await expectOk(login(device, { expirationPolicy: VOLATILE }));
                    await store().recordDisconnect(group, device, t0 + 1);
                }
                const now = t0 + 1 + grace;
                expect(await store().listExpiryCandidates(now, TEST_POLICY, 2)).to.have.length.at.most(2);
                expect(await store().listExpiryCandidates(now, TEST_POLICY, 0)).to.deep.equal([]);
                expect(sortedIds(await candidatesOf(group, now))).to.deep.equal([A, B, C]);
            });

            it('purges expired tombstones and keeps live ones', async function () {
                await store().addTombstone(group, A, t0 + 1_000);
                await store().addTombstone(group, B, t0 + 5_000);
                await store().listExpiryCandidates(t0 + 2_000, TEST_POLICY, ALL);
                // Logins "in the past" show which tombstones are still stored.
                expect((await expectOk(login(A, { now: t0 + 500 }))).slotState).to.equal(NEW);
                expect(await login(B, { now: t0 + 500 })).to.deep.equal({ status: 'tombstoned' });
            });
        });

        describe('groups', function () {
            it('lists groups that have at least one slot', async function () {
                const dataOnly = context.groupId();
                await store().setSharedDeviceData(dataOnly, bytes(1));
                await expectOk(login(A));
                let groups = await store().listGroups();
                expect(groups).to.include(group);
                expect(groups).to.not.include(dataOnly);
                await store().dropSlot(group, A);
                groups = await store().listGroups();
                expect(groups).to.not.include(group);
            });

            it('deleteGroup deletes slots, tombstones, shared data and override, and may be repeated', async function () {
                await expectOk(login(A));
                await store().addTombstone(group, B, t0 + DAY_MS);
                await store().setSharedDeviceData(group, bytes(1));
                await store().setPolicyOverride(group, { maxDeviceSlots: 1 });
                await store().deleteGroup(group);
                await store().deleteGroup(group);
                expect(await store().listSlots(group)).to.deep.equal([]);
                expect(hex(await store().getSharedDeviceData(group))).to.equal('');
                expect(await store().getPolicyOverride(group)).to.deep.equal({});
                expect(await store().listGroups()).to.not.include(group);
                expect((await expectOk(login(B, { now: t0 + 1 }))).slotState).to.equal(NEW);
            });
        });
    });
}
