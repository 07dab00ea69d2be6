/**
 * d2d.SharedDeviceData: data all devices of a group share, stored by the
 * mediator encrypted with DGSDDK (ServerInfo, SetSharedDeviceData). The
 * plaintext carries 0 to 255 random-length zero bytes of padding.
 */
import { isU32, type CryptoBackend } from '../d2m/index.js';
import { d2dProtocolError } from './errors.js';
import { decryptWithNonceAhead, encryptWithNonceAhead } from './box.js';
import type { DeviceGroupKeys } from './keys.js';
import { decodeProtobuf, pb, randomU8 } from './protobuf.js';

const NAME = 'SharedDeviceData';

export interface SharedDeviceData {
    /** A u32 the devices use to tell newer data from older. */
    readonly version: number;
}

/** Encodes `data` with random padding and encrypts it with DGSDDK. */
export function encryptSharedDeviceData(
    crypto: CryptoBackend,
    keys: DeviceGroupKeys,
    data: SharedDeviceData,
): Uint8Array {
    if (!isU32(data.version)) throw d2dProtocolError('invalid-field', `${NAME}.version is not a u32`);
    const plaintext = pb.SharedDeviceData.encode({
        padding: new Uint8Array(randomU8(crypto)),
        version: data.version,
    }).finish();
    return encryptWithNonceAhead(crypto, keys.dgsddk, plaintext);
}

/**
 * Decrypts and decodes shared device data. Throws
 * `D2mCryptoError('decryption-failed')` for the wrong key or tampered bytes,
 * `D2mProtocolError('invalid-protobuf')` for a malformed plaintext.
 */
export function decryptSharedDeviceData(
    crypto: CryptoBackend,
    keys: DeviceGroupKeys,
    bytes: Uint8Array,
): SharedDeviceData {
    const plaintext = decryptWithNonceAhead(crypto, keys.dgsddk, bytes);
    const raw = decodeProtobuf(NAME, plaintext, (data) => pb.SharedDeviceData.decode(data));
    return { version: raw.version };
}
