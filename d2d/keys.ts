/**
 * Device group key derivation (reference 8.1).
 *
 * Every device of a group holds the same 32-byte device group key (DGK).
 * Each purpose gets its own key:
 * `KDF(salt) = BLAKE2b-256(key = DGK, input = empty, personal = "3ma-mdev", salt)`,
 * with personal and salt zero-padded to 16 bytes (libsodium's
 * `crypto_generichash_blake2b_salt_personal`).
 */
import { blake2b } from '@noble/hashes/blake2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import {
    D2mCryptoError,
    KEY_BYTE_LENGTH,
    type CryptoBackend,
    type DeviceGroupId,
    type KeyPair,
    type SecretKey,
    type SymmetricKey,
} from '../d2m/index.js';

/** Byte length of BLAKE2b's salt and personal parameters. */
const BLAKE2B_PARAMETER_BYTE_LENGTH = 16;

const PERSONAL = '3ma-mdev';

/** Salts of the keys derived from the DGK. */
export const DEVICE_GROUP_KEY_SALTS = {
    /** Device group path key (X25519 secret key; its public key is the device group id). */
    dgpk: 'p',
    /** Device group reflect key: reflected envelopes. */
    dgrk: 'r',
    /** Device group device info key: device info. */
    dgdik: 'di',
    /** Device group shared device data key. */
    dgsddk: 'sdd',
    /** Device group transaction scope key. */
    dgtsk: 'ts',
} as const;

/** All keys of one device group, derived from its DGK. */
export interface DeviceGroupKeys {
    /** Path key pair; authenticates devices towards the mediator. */
    readonly dgpk: KeyPair;
    /** The public key of {@link dgpk}. */
    readonly deviceGroupId: DeviceGroupId;
    readonly dgrk: SymmetricKey;
    readonly dgdik: SymmetricKey;
    readonly dgsddk: SymmetricKey;
    readonly dgtsk: SymmetricKey;
}

function zeroPadded(value: string, what: string): Uint8Array {
    const bytes = utf8ToBytes(value);
    if (bytes.byteLength > BLAKE2B_PARAMETER_BYTE_LENGTH) {
        throw new D2mCryptoError('invalid-input', `${what} must be at most ${BLAKE2B_PARAMETER_BYTE_LENGTH} bytes`);
    }
    const out = new Uint8Array(BLAKE2B_PARAMETER_BYTE_LENGTH);
    out.set(bytes);
    return out;
}

const PERSONAL_BYTES = zeroPadded(PERSONAL, 'personal');

function checkDgk(dgk: Uint8Array): void {
    if (dgk.byteLength !== KEY_BYTE_LENGTH) {
        throw new D2mCryptoError('invalid-key', `device group key must be ${KEY_BYTE_LENGTH} bytes`);
    }
}

/** Derives the 32-byte key for `salt` (UTF-8, at most 16 bytes) from the DGK. */
export function deriveKey(dgk: Uint8Array, salt: string): SymmetricKey {
    checkDgk(dgk);
    return blake2b(new Uint8Array(0), {
        dkLen: KEY_BYTE_LENGTH,
        key: dgk,
        salt: zeroPadded(salt, 'salt'),
        personalization: PERSONAL_BYTES,
    }) as SymmetricKey;
}

/** Derives every key of a device group from its DGK. */
export function deriveDeviceGroupKeys(crypto: CryptoBackend, dgk: Uint8Array): DeviceGroupKeys {
    checkDgk(dgk);
    const secretKey = deriveKey(dgk, DEVICE_GROUP_KEY_SALTS.dgpk) as Uint8Array as SecretKey;
    const publicKey = crypto.derivePublicKey(secretKey);
    return {
        dgpk: { publicKey, secretKey },
        deviceGroupId: publicKey as Uint8Array as DeviceGroupId,
        dgrk: deriveKey(dgk, DEVICE_GROUP_KEY_SALTS.dgrk),
        dgdik: deriveKey(dgk, DEVICE_GROUP_KEY_SALTS.dgdik),
        dgsddk: deriveKey(dgk, DEVICE_GROUP_KEY_SALTS.dgsddk),
        dgtsk: deriveKey(dgk, DEVICE_GROUP_KEY_SALTS.dgtsk),
    };
}
