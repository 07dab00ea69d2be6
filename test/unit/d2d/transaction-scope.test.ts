/**
 * d2d.TransactionScope: every scope round-trips; out-of-range values fail.
 */
import { expect } from 'chai';
import { D2mCryptoError, D2mProtocolError, tweetnaclBackend, type CryptoBackend } from '../../../d2m/index.js';
import {
    decryptTransactionScope,
    deriveDeviceGroupKeys,
    encryptTransactionScope,
    encryptWithNonceAhead,
    TransactionScope,
} from '../../../d2d/index.js';
import { sodiumCryptoBackend } from '../../../src/crypto/index.js';

const BACKENDS: readonly CryptoBackend[] = [tweetnaclBackend, sodiumCryptoBackend];
const keys = deriveDeviceGroupKeys(tweetnaclBackend, tweetnaclBackend.randomBytes(32));
const otherKeys = deriveDeviceGroupKeys(tweetnaclBackend, tweetnaclBackend.randomBytes(32));

const SCOPES: readonly TransactionScope[] = [
    TransactionScope.USER_PROFILE_SYNC,
    TransactionScope.CONTACT_SYNC,
    TransactionScope.GROUP_SYNC,
    TransactionScope.DISTRIBUTION_LIST_SYNC,
    TransactionScope.SETTINGS_SYNC,
    TransactionScope.MDM_PARAMETER_SYNC,
    TransactionScope.NEW_DEVICE_SYNC,
];

function encryptPlaintext(plaintext: number[]): Uint8Array {
    return encryptWithNonceAhead(tweetnaclBackend, keys.dgtsk, new Uint8Array(plaintext));
}

describe('d2d TransactionScope', function () {
    it('has the values of d2d.TransactionScope.Scope', function () {
        expect(SCOPES).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
    });

    for (const backend of BACKENDS) {
        it(`round-trips every scope (${backend.name})`, function () {
            for (const scope of SCOPES) {
                const encrypted = encryptTransactionScope(backend, keys, scope);
                expect(decryptTransactionScope(backend, keys, encrypted)).to.equal(scope);
            }
        });
    }

    it('encodes the scope as field 1', function () {
        expect(decryptTransactionScope(tweetnaclBackend, keys, encryptPlaintext([0x08, 0x06]))).to.equal(
            TransactionScope.NEW_DEVICE_SYNC,
        );
        expect(decryptTransactionScope(tweetnaclBackend, keys, encryptPlaintext([]))).to.equal(
            TransactionScope.USER_PROFILE_SYNC,
        );
    });

    it('throws invalid-field for a scope out of range', function () {
        const minusOne = [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        for (const plaintext of [[0x08, 0x07], [0x08, 0x7f], minusOne]) {
            expect(() => decryptTransactionScope(tweetnaclBackend, keys, encryptPlaintext(plaintext)))
                .to.throw(D2mProtocolError)
                .with.property('code', 'invalid-field');
        }
    });

    it('throws invalid-protobuf for a malformed plaintext', function () {
        expect(() => decryptTransactionScope(tweetnaclBackend, keys, encryptPlaintext([0x08, 0x80])))
            .to.throw(D2mProtocolError)
            .with.property('code', 'invalid-protobuf');
    });

    it('fails with decryption-failed for the wrong key', function () {
        const encrypted = encryptTransactionScope(tweetnaclBackend, keys, TransactionScope.GROUP_SYNC);
        expect(() => decryptTransactionScope(tweetnaclBackend, otherKeys, encrypted))
            .to.throw(D2mCryptoError)
            .with.property('code', 'decryption-failed');
    });

    it('refuses to encrypt a scope out of range', function () {
        expect(() => encryptTransactionScope(tweetnaclBackend, keys, 7 as TransactionScope))
            .to.throw(D2mProtocolError)
            .with.property('code', 'invalid-field');
    });
});
