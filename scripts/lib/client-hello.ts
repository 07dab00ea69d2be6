/**
 * A ClientHello built by hand, for the harnesses that speak the protocol
 * without the device SDK: raw test clients, the live fuzzer and the
 * slow-reader benchmark. It answers a ServerHello's challenge with the
 * device group's key, optionally corrupted on purpose.
 */
import {
    createChallengeResponse,
    D2mPayloadType,
    DeviceSlotExpirationPolicy,
    DeviceSlotsExhaustedPolicy,
    ensureDeviceId,
    ensurePublicKey,
    tweetnaclBackend,
    type D2mMessage,
    type DeviceSlotState,
    type CryptoBackend,
    type SecretKey,
    type ServerHello,
} from '../../d2m/index.js';

export interface ClientHelloOptions {
    readonly dgpkSecretKey: SecretKey;
    readonly deviceId: bigint;
    readonly version?: number;
    readonly expectedDeviceSlotState?: DeviceSlotState;
    readonly deviceSlotsExhaustedPolicy?: DeviceSlotsExhaustedPolicy;
    readonly deviceSlotExpirationPolicy?: DeviceSlotExpirationPolicy;
    readonly encryptedDeviceInfo?: Uint8Array;
    /** Flip bits of this byte of the challenge response (a response that must fail verification). */
    readonly tamperByte?: number;
    /** NaCl backend computing the response; default tweetnacl. */
    readonly crypto?: CryptoBackend;
}

/** The ClientHello answering `hello`. */
export function clientHelloFor(hello: ServerHello.Type, options: ClientHelloOptions): D2mMessage {
    const response = createChallengeResponse(
        options.crypto ?? tweetnaclBackend,
        options.dgpkSecretKey,
        ensurePublicKey(hello.esk),
        hello.challenge,
    );
    if (options.tamperByte !== undefined) response[options.tamperByte] = response[options.tamperByte]! ^ 0xff;
    return {
        type: D2mPayloadType.CLIENT_HELLO,
        body: {
            version: options.version ?? 0,
            response,
            deviceId: ensureDeviceId(options.deviceId),
            deviceSlotsExhaustedPolicy: options.deviceSlotsExhaustedPolicy ?? DeviceSlotsExhaustedPolicy.REJECT,
            deviceSlotExpirationPolicy: options.deviceSlotExpirationPolicy ?? DeviceSlotExpirationPolicy.PERSISTENT,
            encryptedDeviceInfo: options.encryptedDeviceInfo ?? new Uint8Array(0),
            expectedDeviceSlotState: options.expectedDeviceSlotState,
        },
    };
}
