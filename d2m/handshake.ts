/**
 * Challenge/response authentication (pure, over an injected crypto backend).
 *
 * The server sends a fresh ephemeral key (ESK) and 32 random bytes. The
 * client proves it holds the device group path key (DGPK) by returning
 * `nonce(24) || crypto_box(challenge, nonce, ESK.public, DGPK.secret)`
 * (72 bytes). The server opens the box with ESK.secret and the device group
 * id (DGPK.public) and compares the plaintext with the challenge in constant
 * time.
 */
import { concatBytes, constantTimeEqual } from './bytes.js';
import type { CryptoBackend, KeyPair } from './crypto.js';
import { CHALLENGE_BYTE_LENGTH } from './messages/server-hello.js';
import { RESPONSE_BYTE_LENGTH } from './messages/client-hello.js';
import { NONCE_BYTE_LENGTH, type DeviceGroupId, type PublicKey, type SecretKey } from './types.js';

export interface ServerChallenge {
    /** Ephemeral server key pair, fresh for each connection. */
    readonly esk: KeyPair;
    readonly challenge: Uint8Array;
}

/** Server side: a fresh ephemeral key pair and challenge for one connection. */
export function createServerChallenge(crypto: CryptoBackend): ServerChallenge {
    return { esk: crypto.generateKeyPair(), challenge: crypto.randomBytes(CHALLENGE_BYTE_LENGTH) };
}

/**
 * Server side: whether `response` proves knowledge of the secret key behind
 * `deviceGroupId`. Never throws for malformed input; returns false.
 */
export function verifyChallengeResponse(
    crypto: CryptoBackend,
    challenge: ServerChallenge,
    deviceGroupId: DeviceGroupId,
    response: Uint8Array,
): boolean {
    if (response.byteLength !== RESPONSE_BYTE_LENGTH) return false;
    let plaintext: Uint8Array | undefined;
    try {
        plaintext = crypto.boxOpen(
            response.subarray(NONCE_BYTE_LENGTH),
            response.subarray(0, NONCE_BYTE_LENGTH),
            deviceGroupId as Uint8Array as PublicKey,
            challenge.esk.secretKey,
        );
    } catch {
        return false;
    }
    return plaintext !== undefined && constantTimeEqual(plaintext, challenge.challenge);
}

/** Client side: the 72-byte response to a ServerHello's challenge. */
export function createChallengeResponse(
    crypto: CryptoBackend,
    dgpkSecretKey: SecretKey,
    esk: PublicKey,
    challenge: Uint8Array,
): Uint8Array {
    const nonce = crypto.randomBytes(NONCE_BYTE_LENGTH);
    const key = crypto.boxSharedKey(esk, dgpkSecretKey);
    return concatBytes(nonce, crypto.secretboxSeal(challenge, nonce, key));
}
