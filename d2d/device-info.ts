/**
 * d2d.DeviceInfo: how a device describes itself to the other devices of its
 * group. Sent encrypted with DGDIK in ClientHello; the mediator stores it and
 * hands it out in DevicesInfo without being able to read it.
 *
 * The plaintext carries PKCS#7-style padding: 1 to 255 bytes, each equal to
 * the padding length. Decoding ignores the padding's contents.
 */
import type { CryptoBackend } from '../d2m/index.js';
import { d2dProtocolError } from './errors.js';
import { decryptWithNonceAhead, encryptWithNonceAhead } from './box.js';
import type { DeviceGroupKeys } from './keys.js';
import { decodeProtobuf, pb, randomU8 } from './protobuf.js';

const NAME = 'DeviceInfo';

/** The platform a device runs on (d2d.DeviceInfo.Platform). */
export enum DevicePlatform {
    UNSPECIFIED = 0,
    ANDROID = 1,
    IOS = 2,
    DESKTOP = 3,
    WEB = 4,
}

const DEVICE_PLATFORMS: readonly number[] = [
    DevicePlatform.UNSPECIFIED,
    DevicePlatform.ANDROID,
    DevicePlatform.IOS,
    DevicePlatform.DESKTOP,
    DevicePlatform.WEB,
];

export interface DeviceInfo {
    readonly platform: DevicePlatform;
    /** For example "Electron 1xx on Linux". */
    readonly platformDetails: string;
    readonly appVersion: string;
    /** The name the user gave the device. */
    readonly label: string;
}

function isDevicePlatform(value: number): value is DevicePlatform {
    return DEVICE_PLATFORMS.includes(value);
}

/** A random PKCS#7 padding length in 1..255. */
function randomPkcs7PaddingLength(crypto: CryptoBackend): number {
    for (;;) {
        const length = randomU8(crypto);
        if (length !== 0) return length;
    }
}

/** Encodes `info` with random PKCS#7-style padding and encrypts it with DGDIK. */
export function encryptDeviceInfo(crypto: CryptoBackend, keys: DeviceGroupKeys, info: DeviceInfo): Uint8Array {
    // A plain number: d2d.DeviceInfo.Platform has the same values but is a distinct enum type.
    const platform: number = info.platform;
    if (!DEVICE_PLATFORMS.includes(platform)) {
        throw d2dProtocolError('invalid-field', `${NAME}.platform has unknown enum value ${platform}`);
    }
    const paddingLength = randomPkcs7PaddingLength(crypto);
    const plaintext = pb.DeviceInfo.encode({
        padding: new Uint8Array(paddingLength).fill(paddingLength),
        platform,
        platformDetails: info.platformDetails,
        appVersion: info.appVersion,
        label: info.label,
    }).finish();
    return encryptWithNonceAhead(crypto, keys.dgdik, plaintext);
}

/**
 * Decrypts and decodes device info. Throws `D2mCryptoError('decryption-failed')`
 * for the wrong key or tampered bytes, `D2mProtocolError('invalid-protobuf')`
 * for a malformed plaintext. A platform value this library does not know
 * decodes as {@link DevicePlatform.UNSPECIFIED}.
 */
export function decryptDeviceInfo(crypto: CryptoBackend, keys: DeviceGroupKeys, bytes: Uint8Array): DeviceInfo {
    const plaintext = decryptWithNonceAhead(crypto, keys.dgdik, bytes);
    const raw = decodeProtobuf(NAME, plaintext, (data) => pb.DeviceInfo.decode(data));
    const platform: number = raw.platform;
    return {
        platform: isDevicePlatform(platform) ? platform : DevicePlatform.UNSPECIFIED,
        platformDetails: raw.platformDetails,
        appVersion: raw.appVersion,
        label: raw.label,
    };
}
