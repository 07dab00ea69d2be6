/**
 * d2d.Envelope: what a device reflects to the other devices of its group,
 * encrypted with DGRK. The mediator relays it as opaque bytes.
 *
 * The content is kept as the serialised inner message (`d2d.OutgoingMessage`
 * and so on): this layer neither builds nor inspects it. The plaintext
 * carries 0 to 255 zero bytes of padding that hide the content's length.
 */
import { ensureDeviceId, u64FromProtobuf, u64ToProtobuf, type CryptoBackend, type DeviceId } from '../d2m/index.js';
import { d2dProtocolError } from './errors.js';
import { decryptWithNonceAhead, encryptWithNonceAhead } from './box.js';
import type { d2d } from './generated/d2d.js';
import type { DeviceGroupKeys } from './keys.js';
import { decodeProtobuf, ensurePaddingLength, pb, randomU8 } from './protobuf.js';

const NAME = 'Envelope';

/** The variants of the Envelope's `content` oneof. */
export type EnvelopeContentKind =
    | 'outgoingMessage'
    | 'incomingMessage'
    | 'userProfileSync'
    | 'contactSync'
    | 'groupSync'
    | 'distributionListSync'
    | 'settingsSync'
    | 'outgoingMessageUpdate'
    | 'incomingMessageUpdate'
    | 'mdmParameterSync';

const ENVELOPE_CONTENT_KINDS: readonly string[] = [
    'outgoingMessage',
    'incomingMessage',
    'userProfileSync',
    'contactSync',
    'groupSync',
    'distributionListSync',
    'settingsSync',
    'outgoingMessageUpdate',
    'incomingMessageUpdate',
    'mdmParameterSync',
] satisfies readonly EnvelopeContentKind[];

export interface Envelope {
    /** The sending device's D2M device id. */
    readonly deviceId: DeviceId;
    /** The content variant and its serialised inner message; `undefined` when the oneof is unset. */
    readonly content: { readonly kind: EnvelopeContentKind; readonly data: Uint8Array } | undefined;
}

/** Encodes `envelope` as plain protobuf with `paddingLength` (0..255) zero bytes of padding. */
export function encodeEnvelope(envelope: Envelope, paddingLength = 0): Uint8Array {
    const properties: d2d.Envelope.$Properties = {
        padding: new Uint8Array(ensurePaddingLength(NAME, paddingLength)),
        deviceId: u64ToProtobuf(ensureDeviceId(envelope.deviceId)),
    };
    const content = envelope.content;
    if (content !== undefined) {
        if (!ENVELOPE_CONTENT_KINDS.includes(content.kind)) {
            throw d2dProtocolError('invalid-field', `${NAME}.content has an unknown kind`);
        }
        properties[content.kind] = content.data;
    }
    return pb.Envelope.encode(properties).finish();
}

/**
 * Decodes a plain protobuf envelope; throws `D2mProtocolError('invalid-protobuf')`
 * for malformed bytes. The padding is ignored.
 */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
    const raw = decodeProtobuf(NAME, bytes, (data) => pb.Envelope.decode(data));
    const deviceId = ensureDeviceId(u64FromProtobuf(raw.deviceId));
    const kind = raw.content;
    if (kind === undefined) return { deviceId, content: undefined };
    const data = raw[kind];
    if (data === null || data === undefined) {
        throw d2dProtocolError('invalid-protobuf', `${NAME}: content ${kind} has no data`);
    }
    return { deviceId, content: { kind, data } };
}

/**
 * Encodes `envelope` and encrypts it with DGRK. The padding length is random
 * in 0..255 unless `options.paddingLength` fixes it.
 */
export function encryptEnvelope(
    crypto: CryptoBackend,
    keys: DeviceGroupKeys,
    envelope: Envelope,
    options?: { readonly paddingLength?: number },
): Uint8Array {
    const paddingLength = options?.paddingLength ?? randomU8(crypto);
    return encryptWithNonceAhead(crypto, keys.dgrk, encodeEnvelope(envelope, paddingLength));
}

/**
 * Decrypts and decodes an envelope. Throws `D2mCryptoError('decryption-failed')`
 * for the wrong key or tampered bytes, `D2mProtocolError('invalid-protobuf')`
 * for a malformed plaintext.
 */
export function decryptEnvelope(crypto: CryptoBackend, keys: DeviceGroupKeys, bytes: Uint8Array): Envelope {
    return decodeEnvelope(decryptWithNonceAhead(crypto, keys.dgrk, bytes));
}
