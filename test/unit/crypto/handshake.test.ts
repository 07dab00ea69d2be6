/**
 * The D2M challenge/response handshake across crypto backends: the server
 * and the client may use different backends (server on node:crypto, client
 * on tweetnacl in a browser) and must still agree.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
    createChallengeResponse,
    createServerChallenge,
    tweetnaclBackend,
    verifyChallengeResponse,
    type CryptoBackend,
    type DeviceGroupId,
    type SecretKey,
} from '../../../d2m/index.js';
import { deriveDeviceGroupKeys } from '../../../d2d/index.js';
import { sodiumCryptoBackend } from '../../../src/crypto/index.js';

const BACKENDS: readonly CryptoBackend[] = [sodiumCryptoBackend, tweetnaclBackend];

function randomDgk(): Uint8Array {
    return tweetnaclBackend.randomBytes(32);
}

describe('handshake across crypto backends', function () {
    for (const server of BACKENDS) {
        for (const client of BACKENDS) {
            describe(`server ${server.name}, client ${client.name}`, function () {
                const keys = deriveDeviceGroupKeys(client, randomDgk());

                it('verifies the response to its challenge', function () {
                    for (let i = 0; i < 5; i++) {
                        const challenge = createServerChallenge(server);
                        const response = createChallengeResponse(
                            client,
                            keys.dgpk.secretKey,
                            challenge.esk.publicKey,
                            challenge.challenge,
                        );
                        expect(response.byteLength).to.equal(72);
                        expect(verifyChallengeResponse(server, challenge, keys.deviceGroupId, response)).to.be.true;
                    }
                });

                it('rejects a response with any bit flipped', function () {
                    const challenge = createServerChallenge(server);
                    const response = createChallengeResponse(
                        client,
                        keys.dgpk.secretKey,
                        challenge.esk.publicKey,
                        challenge.challenge,
                    );
                    fc.assert(
                        fc.property(fc.integer({ min: 0, max: 71 }), fc.integer({ min: 0, max: 7 }), (at, bit) => {
                            const tampered = response.slice();
                            tampered[at]! ^= 1 << bit;
                            expect(verifyChallengeResponse(server, challenge, keys.deviceGroupId, tampered)).to.be
                                .false;
                        }),
                        { numRuns: 30 },
                    );
                });

                it('rejects a response made with another device group key', function () {
                    const other = deriveDeviceGroupKeys(client, randomDgk());
                    const challenge = createServerChallenge(server);
                    const response = createChallengeResponse(
                        client,
                        other.dgpk.secretKey,
                        challenge.esk.publicKey,
                        challenge.challenge,
                    );
                    expect(verifyChallengeResponse(server, challenge, keys.deviceGroupId, response)).to.be.false;
                    expect(verifyChallengeResponse(server, challenge, other.deviceGroupId, response)).to.be.true;
                });

                it('rejects a response to another challenge or for another ephemeral key', function () {
                    const first = createServerChallenge(server);
                    const second = createServerChallenge(server);
                    const response = createChallengeResponse(
                        client,
                        keys.dgpk.secretKey,
                        first.esk.publicKey,
                        first.challenge,
                    );
                    expect(verifyChallengeResponse(server, second, keys.deviceGroupId, response)).to.be.false;
                    const sameKeyOtherChallenge = { esk: first.esk, challenge: second.challenge };
                    expect(verifyChallengeResponse(server, sameKeyOtherChallenge, keys.deviceGroupId, response)).to.be
                        .false;
                });

                it('rejects responses of the wrong length', function () {
                    const challenge = createServerChallenge(server);
                    const response = createChallengeResponse(
                        client,
                        keys.dgpk.secretKey,
                        challenge.esk.publicKey,
                        challenge.challenge,
                    );
                    for (const candidate of [
                        response.subarray(0, 71),
                        new Uint8Array([...response, 0]),
                        new Uint8Array(0),
                    ]) {
                        expect(verifyChallengeResponse(server, challenge, keys.deviceGroupId, candidate)).to.be.false;
                    }
                });
            });
        }
    }

    it('the Node server rejects (returns false for) a low-order device group id', function () {
        const challenge = createServerChallenge(sodiumCryptoBackend);
        const lowOrder = new Uint8Array(32) as DeviceGroupId;
        const response = createChallengeResponse(
            tweetnaclBackend,
            tweetnaclBackend.randomBytes(32) as SecretKey,
            challenge.esk.publicKey,
            challenge.challenge,
        );
        expect(verifyChallengeResponse(sodiumCryptoBackend, challenge, lowOrder, response)).to.be.false;
    });
});
