/**
 * Device group key derivation against the test vector of reference 8.1.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { bytesToHex, D2mCryptoError, hexToBytes, tweetnaclBackend, type CryptoBackend } from '../../../d2m/index.js';
import { deriveDeviceGroupKeys, deriveKey } from '../../../d2d/index.js';
import { sodiumCryptoBackend } from '../../../src/crypto/index.js';

const BACKENDS: readonly CryptoBackend[] = [tweetnaclBackend, sodiumCryptoBackend];

const VECTOR = {
    dgk: '1b35ed7e1ba9993171fe4a7eed30c2831905c3a583616d61e93782da900bf8ba',
    dgpkSecret: '60c0ed9098902c0b6093be4a819bf344900bc7473504ccdb61004b1b58aa2233',
    dgpkPublic: 'e77d9b02195b880c1374650ec136b44e7b0b6d9e47b479dbd5d97c470acb0b40',
    dgrk: 'a4bf34ff67ed3b731a2aa6e023335f7eba6c914e877da3d15bff41d84f7f75f8',
    dgdik: '5953fb9775d8c23fae573e245534dac2c7aa16b62ea73b954ea4177d192e8c50',
    dgsddk: '7a91ad36bc9537ccfd6fd76b23d7f5319e506e6a5294c988c9a75c8e34a3c9dd',
    dgtsk: '7c6b94affb171c564bfd375d50c4781d72ab2671ae4035ab4307dedce67ef30e',
} as const;

function dgk(): Uint8Array {
    return hexToBytes(VECTOR.dgk)!;
}

describe('d2d key derivation', function () {
    it('deriveKey matches the vector for each salt', function () {
        expect(bytesToHex(deriveKey(dgk(), 'p'))).to.equal(VECTOR.dgpkSecret);
        expect(bytesToHex(deriveKey(dgk(), 'r'))).to.equal(VECTOR.dgrk);
        expect(bytesToHex(deriveKey(dgk(), 'di'))).to.equal(VECTOR.dgdik);
        expect(bytesToHex(deriveKey(dgk(), 'sdd'))).to.equal(VECTOR.dgsddk);
        expect(bytesToHex(deriveKey(dgk(), 'ts'))).to.equal(VECTOR.dgtsk);
    });

    for (const backend of BACKENDS) {
        it(`deriveDeviceGroupKeys matches the vector byte for byte (${backend.name})`, function () {
            const keys = deriveDeviceGroupKeys(backend, dgk());
            expect(bytesToHex(keys.dgpk.secretKey)).to.equal(VECTOR.dgpkSecret);
            expect(bytesToHex(keys.dgpk.publicKey)).to.equal(VECTOR.dgpkPublic);
            expect(bytesToHex(keys.deviceGroupId)).to.equal(VECTOR.dgpkPublic);
            expect(bytesToHex(keys.dgrk)).to.equal(VECTOR.dgrk);
            expect(bytesToHex(keys.dgdik)).to.equal(VECTOR.dgdik);
            expect(bytesToHex(keys.dgsddk)).to.equal(VECTOR.dgsddk);
            expect(bytesToHex(keys.dgtsk)).to.equal(VECTOR.dgtsk);
        });
    }

    it('both backends derive the same keys for any DGK, and all five keys differ', function () {
        fc.assert(
            fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
                const viaNacl = deriveDeviceGroupKeys(tweetnaclBackend, key);
                const viaNode = deriveDeviceGroupKeys(sodiumCryptoBackend, key);
                expect(bytesToHex(viaNode.deviceGroupId)).to.equal(bytesToHex(viaNacl.deviceGroupId));
                const derived = [viaNacl.dgpk.secretKey, viaNacl.dgrk, viaNacl.dgdik, viaNacl.dgsddk, viaNacl.dgtsk];
                expect(new Set(derived.map(bytesToHex)).size).to.equal(5);
            }),
            { numRuns: 20 },
        );
    });

    it('rejects a DGK that is not 32 bytes with invalid-key, without key bytes in the message', function () {
        for (const length of [0, 16, 31, 33, 64]) {
            const key = tweetnaclBackend.randomBytes(length);
            for (const action of [() => deriveKey(key, 'r'), () => deriveDeviceGroupKeys(tweetnaclBackend, key)]) {
                try {
                    action();
                    expect.fail('expected an error');
                } catch (error) {
                    expect(error).to.be.instanceOf(D2mCryptoError);
                    expect((error as D2mCryptoError).code).to.equal('invalid-key');
                    if (length > 0) expect((error as Error).message).to.not.include(bytesToHex(key));
                }
            }
        }
    });

    it('rejects a salt longer than 16 bytes', function () {
        expect(() => deriveKey(dgk(), 'x'.repeat(17)))
            .to.throw(D2mCryptoError)
            .with.property('code', 'invalid-input');
        expect(deriveKey(dgk(), 'x'.repeat(16)).byteLength).to.equal(32);
    });
});
