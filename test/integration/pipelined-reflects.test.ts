/**
 * Pipelined Reflects end to end: a device sends a burst of Reflects without
 * waiting for acks; the mediator stores several at once (on Redis: more
 * than one append in flight on the connection), and still sends the
 * ReflectAcks in the order of the Reflects, and every other device receives
 * the reflections in that order. Also on a Redis Cluster, where appends go
 * one at a time (a redirect could reorder them).
 */
import { expect } from 'chai';
import { buildClientUrl, D2mPayloadType, ensureServerGroup } from '../../d2m/index.js';
import { ALL_BACKEND_KINDS, startTestMediator, type TestMediator } from '../helpers/mediator.js';
import { TestGroup, waitUntil, type TestDevice } from '../helpers/devices.js';
import { RawClient, rawHandshake } from '../helpers/raw-client.js';

const REFLECTS = 600;
const SENDER_ID = 1n;

function numbered(n: number): Uint8Array {
    const envelope = new Uint8Array(64);
    new DataView(envelope.buffer).setUint32(0, n, true);
    return envelope;
}

function numberOf(envelope: Uint8Array): number {
    return new DataView(envelope.buffer, envelope.byteOffset, envelope.byteLength).getUint32(0, true);
}

for (const kind of ALL_BACKEND_KINDS) {
    describe(`pipelined Reflects (${kind})`, function () {
        this.timeout(60_000);
        let mediator: TestMediator;

        before(async function () {
            mediator = await startTestMediator({ kind });
        });

        after(async function () {
            await mediator.stop();
        });

        it('acks a burst of Reflects in order and delivers them in order to every other device', async function () {
            const group = new TestGroup(mediator.url);
            const receivers: TestDevice[] = [await group.connect(2n), await group.connect(3n)];
            const url = buildClientUrl(mediator.url, {
                deviceGroupId: group.keys.deviceGroupId,
                serverGroup: ensureServerGroup('4f'),
            });
            const sender = await RawClient.open(url);
            try {
                await rawHandshake(sender, { dgpkSecretKey: group.keys.dgpk.secretKey, deviceId: SENDER_ID });
                await sender.nextOf(D2mPayloadType.REFLECTION_QUEUE_DRY);
                const session = () =>
                    mediator.server
                        .sessionStats()
                        .find((stats) => stats.deviceId === SENDER_ID && stats.state === 'active');
                let maxInFlight = 0;
                const sampler = setInterval(() => {
                    maxInFlight = Math.max(maxInFlight, session()?.reflectsInFlight ?? 0);
                }, 0);
                try {
                    for (let n = 1; n <= REFLECTS; n++) {
                        sender.send({
                            type: D2mPayloadType.REFLECT,
                            body: { flags: 0, reflectId: n, envelope: numbered(n) },
                        });
                    }
                    let lastTimestamp = 0;
                    for (let n = 1; n <= REFLECTS; n++) {
                        const ack = await sender.nextOf(D2mPayloadType.REFLECT_ACK, 20_000);
                        expect(ack.body.reflectId).to.equal(n);
                        expect(Number(ack.body.timestamp)).to.be.at.least(lastTimestamp);
                        lastTimestamp = Number(ack.body.timestamp);
                    }
                } finally {
                    clearInterval(sampler);
                }
                console.log(`      at most ${maxInFlight} appends in flight`);
                if (kind === 'redis+postgres') expect(maxInFlight).to.be.greaterThan(1);
                if (kind === 'redis-cluster+postgres') expect(maxInFlight).to.be.at.most(1);
                expect(maxInFlight).to.be.at.most(32);
                for (const receiver of receivers) {
                    await waitUntil(() => receiver.reflected.length >= REFLECTS, 20_000, `${REFLECTS} reflections`);
                    expect(receiver.reflected.map((event) => numberOf(event.envelopeBytes))).to.deep.equal(
                        Array.from({ length: REFLECTS }, (_, index) => index + 1),
                    );
                }
            } finally {
                sender.close();
                await group.closeAll();
            }
        });
    });
}
