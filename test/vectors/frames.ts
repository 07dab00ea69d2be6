/**
 * Hex test vectors for D2M frames and ClientUrlInfo, from the protocol
 * reference (worked frames of section 3.3, ClientUrlInfo example of 2.1).
 */

export const DEVICE_GROUP_ID_HEX = 'e77d9b02195b880c1374650ec136b44e7b0b6d9e47b479dbd5d97c470acb0b40';

/** ClientUrlInfo, current revision, server group "4f". */
export const CLIENT_URL_INFO_CURRENT_HEX = `0a20${DEVICE_GROUP_ID_HEX}1a023466`;

/** ClientUrlInfo, seed revision, server group 0x4f as uint32 field 2. */
export const CLIENT_URL_INFO_SEED_HEX = `0a20${DEVICE_GROUP_ID_HEX}104f`;

/** The full URL of the worked example. */
export const CLIENT_URL_EXAMPLE = `wss://mediator-e.threema.ch/e7/${CLIENT_URL_INFO_CURRENT_HEX}`;

/** A fixed 40-byte stand-in for an encrypted envelope (24-byte nonce + 16-byte tag). */
export const ENVELOPE_HEX = '00112233445566778899aabbccddeeff0011223344556677' + 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf';

export const TIMESTAMP = 1_700_000_000_123;
/** TIMESTAMP as u64 LE. */
export const TIMESTAMP_LE_HEX = '7b68e5cf8b010000';

export const WORKED_FRAMES = {
    reflectedAck5: '83000000' + '00000000' + '05000000',
    reflect1: '80000000' + '08000000' + '01000000' + ENVELOPE_HEX,
    reflect2Ephemeral: '80000000' + '08000100' + '02000000' + ENVELOPE_HEX,
    reflectAck1: '81000000' + '00000000' + '01000000' + TIMESTAMP_LE_HEX,
    reflected7Ephemeral: '82000000' + '10000100' + '07000000' + TIMESTAMP_LE_HEX + ENVELOPE_HEX,
    reflectionQueueDry: '20000000',
    rolePromotedToLeader: '21000000',
} as const;
