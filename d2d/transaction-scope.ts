/**
 * d2d.TransactionScope: what a transaction is about. Sent encrypted with
 * DGTSK in BeginTransaction and echoed by the mediator in
 * TransactionRejected and TransactionEnded.
 */
import type { CryptoBackend } from '../d2m/index.js';
import { d2dProtocolError } from './errors.js';
import { decryptWithNonceAhead, encryptWithNonceAhead } from './box.js';
import type { DeviceGroupKeys } from './keys.js';
import { decodeProtobuf, pb } from './protobuf.js';

const NAME = 'TransactionScope';

/** d2d.TransactionScope.Scope. */
export enum TransactionScope {
    USER_PROFILE_SYNC = 0,
    CONTACT_SYNC = 1,
    GROUP_SYNC = 2,
    DISTRIBUTION_LIST_SYNC = 3,
    SETTINGS_SYNC = 4,
    MDM_PARAMETER_SYNC = 5,
    NEW_DEVICE_SYNC = 6,
}

const TRANSACTION_SCOPES: readonly number[] = [
    TransactionScope.USER_PROFILE_SYNC,
    TransactionScope.CONTACT_SYNC,
    TransactionScope.GROUP_SYNC,
    TransactionScope.DISTRIBUTION_LIST_SYNC,
    TransactionScope.SETTINGS_SYNC,
    TransactionScope.MDM_PARAMETER_SYNC,
    TransactionScope.NEW_DEVICE_SYNC,
];

function ensureScope(value: number): TransactionScope {
    if (!isTransactionScope(value)) {
        throw d2dProtocolError('invalid-field', `${NAME}.scope has unknown enum value ${value}`);
    }
    return value;
}

function isTransactionScope(value: number): value is TransactionScope {
    return TRANSACTION_SCOPES.includes(value);
}

/** Encodes `scope` and encrypts it with DGTSK. */
export function encryptTransactionScope(
    crypto: CryptoBackend,
    keys: DeviceGroupKeys,
    scope: TransactionScope,
): Uint8Array {
    // A plain number: d2d.TransactionScope.Scope has the same values but is a distinct enum type.
    const value: number = ensureScope(scope);
    const plaintext = pb.TransactionScope.encode({ scope: value }).finish();
    return encryptWithNonceAhead(crypto, keys.dgtsk, plaintext);
}

/**
 * Decrypts and decodes a transaction scope. Throws
 * `D2mCryptoError('decryption-failed')` for the wrong key or tampered bytes,
 * `D2mProtocolError('invalid-protobuf')` for a malformed plaintext and
 * `D2mProtocolError('invalid-field')` for a scope value out of range.
 */
export function decryptTransactionScope(
    crypto: CryptoBackend,
    keys: DeviceGroupKeys,
    bytes: Uint8Array,
): TransactionScope {
    const plaintext = decryptWithNonceAhead(crypto, keys.dgtsk, bytes);
    const raw = decodeProtobuf(NAME, plaintext, (data) => pb.TransactionScope.decode(data));
    return ensureScope(raw.scope);
}
