/**
 * The server side of the handshake: ServerHello with a fresh ephemeral key
 * and challenge, then verification of the ClientHello (challenge response in
 * constant time, then the protocol version).
 */
import {
    CloseCode,
    createServerChallenge,
    D2mPayloadType,
    encodeMessage,
    PROTOCOL_VERSION_MAX,
    verifyChallengeResponse,
    type ClientHello,
    type CryptoBackend,
    type DeviceGroupId,
    type ServerChallenge,
} from '../../d2m/index.js';
import { AuthenticationError, SessionClosedError } from '../errors.js';

export function serverHelloFrame(challenge: ServerChallenge): Uint8Array {
    return encodeMessage({
        type: D2mPayloadType.SERVER_HELLO,
        body: { version: PROTOCOL_VERSION_MAX, esk: challenge.esk.publicKey, challenge: challenge.challenge },
    });
}

/** Throws AuthenticationError (4010) or SessionClosedError (4110). */
export function verifyClientHello(
    crypto: CryptoBackend,
    challenge: ServerChallenge,
    deviceGroupId: DeviceGroupId,
    hello: ClientHello.Type,
): void {
    if (!verifyChallengeResponse(crypto, challenge, deviceGroupId, hello.response)) throw new AuthenticationError();
    if (hello.version > (PROTOCOL_VERSION_MAX as number)) {
        throw new SessionClosedError(
            CloseCode.UNSUPPORTED_PROTOCOL_VERSION,
            `protocol version ${hello.version} is not supported`,
        );
    }
}

/** Overwrites the ephemeral secret key once it has served (or can no longer serve) its ClientHello. */
export function wipeChallenge(challenge: ServerChallenge): void {
    challenge.esk.secretKey.fill(0);
}

export { createServerChallenge };
