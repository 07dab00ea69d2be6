/**
 * Draining a large queue to a device that does not read: the mediator stops
 * reading from storage while the socket holds more than its high-water mark,
 * so what it buffers for the device stays bounded, and it resumes when the
 * device reads again.
 */
import { expect } from 'chai';
import { buildClientUrl, D2mPayloadType, ensureServerGroup } from '../../d2m/index.js';
import { BACKEND_KINDS, startTestMediator, type TestMediator } from '../helpers/mediator.js';
import { TestGroup, waitUntil } from '../helpers/devices.js';
import { RawClient, rawHandshake } from '../helpers/raw-client.js';

const ENVELOPE_BYTES = 16 * 1024;
const BACKLOG = 2500; // about 40 MiB
const HIGH_WATER_BYTES = 512 * 1024;

for (const kind of BACKEND_KINDS) {
    describe(`delivery backpressure (${kind})`, function () {
        this.timeout(60_000);
        let mediator: TestMediator;

        before(async function () {
            mediator = await startTestMediator({ kind, config: { deliveryHighWaterBytes: HIGH_WATER_BYTES } });
        });

        after(async function () {
            await mediator.stop();
        });

        it('keeps what it buffers for a device that does not read bounded, then drains the whole queue in order', async function () {
            const group = new TestGroup(mediator.url);
            const sender = await group.connect(1n);
            const receiver = await group.connect(2n);
            await receiver.client.close();
            // Reflect with a window of 64 unacknowledged reflections, as clients do.
            let pending: Promise<number>[] = [];
            for (let n = 0; n < BACKLOG; n++) {
                const envelope = new Uint8Array(ENVELOPE_BYTES);
                new DataView(envelope.buffer).setUint32(0, n, true);
                pending.push(sender.client.reflect(envelope));
                if (pending.length === 64) {
                    await Promise.all(pending);
                    pending = [];
                }
            }
            await Promise.all(pending);

            const url = buildClientUrl(mediator.url, {
                deviceGroupId: group.keys.deviceGroupId,
                serverGroup: ensureServerGroup('4f'),
            });
            const raw = await RawClient.open(url);
            await rawHandshake(raw, { dgpkSecretKey: group.keys.dgpk.secretKey, deviceId: 2n });
            raw.socket.pause();
            const session = () =>
                mediator.server.sessionStats().find((stats) => stats.deviceId === 2n && stats.state === 'active');
            await waitUntil(() => (session()?.unackedReflections ?? 0) > 0, 10_000, 'delivery to start');
            // Let the kernel buffers fill and the mediator reach its high-water mark.
            let peakBuffered = 0;
            for (let i = 0; i < 20; i++) {
                await new Promise((resolve) => setTimeout(resolve, 50));
                peakBuffered = Math.max(peakBuffered, session()?.bufferedAmount ?? 0);
            }
            const sentWhilePaused = session()?.unackedReflections ?? 0;
            console.log(
                `      paused reader: ${sentWhilePaused} of ${BACKLOG} reflections sent, peak socket buffer ${Math.round(peakBuffered / 1024)} KiB`,
            );
            // One read batch may be in flight on top of the high-water mark.
            expect(peakBuffered).to.be.at.most(2 * HIGH_WATER_BYTES + 2 * ENVELOPE_BYTES);
            expect(sentWhilePaused).to.be.below(BACKLOG);

            raw.socket.resume();
            expect((await raw.next(10_000)).type).to.equal(D2mPayloadType.SERVER_INFO);
            for (let n = 0; n < BACKLOG; n++) {
                const message = await raw.next(10_000);
                if (message.type !== D2mPayloadType.REFLECTED) expect.fail(`expected Reflected, got ${message.type}`);
                expect(
                    new DataView(message.body.envelope.buffer, message.body.envelope.byteOffset).getUint32(0, true),
                ).to.equal(n);
                raw.send({ type: D2mPayloadType.REFLECTED_ACK, body: { reflectedId: message.body.reflectedId } });
            }
            expect((await raw.next(10_000)).type).to.equal(D2mPayloadType.REFLECTION_QUEUE_DRY);
            raw.close();
            await sender.client.close();
        });
    });
}
