/**
 * Payload-type demux: whole frames to typed messages and back. A decoded
 * message is a discriminated union on `type`; `body` is the validated
 * message of that type (raw bytes for Proxy).
 *
 * `decodeMessage` throws {@link D2mProtocolError} and nothing else, for any
 * input.
 */
import { D2mProtocolError, unreachable } from './errors.js';
import { decodeFrame, encodeFrame } from './frame.js';
import * as BeginTransaction from './messages/begin-transaction.js';
import * as ClientHello from './messages/client-hello.js';
import * as DevicesInfo from './messages/devices-info.js';
import * as DropDeviceAck from './messages/drop-device-ack.js';
import * as DropDevice from './messages/drop-device.js';
import * as Empty from './messages/empty.js';
import * as ReflectAck from './messages/reflect-ack.js';
import * as ReflectMessage from './messages/reflect.js';
import * as ReflectedAck from './messages/reflected-ack.js';
import * as Reflected from './messages/reflected.js';
import * as ServerHello from './messages/server-hello.js';
import * as ServerInfo from './messages/server-info.js';
import * as SetSharedDeviceData from './messages/set-shared-device-data.js';
import * as TransactionEnded from './messages/transaction-ended.js';
import * as TransactionRejected from './messages/transaction-rejected.js';
import { D2mPayloadType, payloadTypeName } from './payload-type.js';

type M<T extends D2mPayloadType, B> = { readonly type: T; readonly body: B };

export type D2mMessage =
    | M<D2mPayloadType.PROXY, Uint8Array>
    | M<D2mPayloadType.SERVER_HELLO, ServerHello.Type>
    | M<D2mPayloadType.CLIENT_HELLO, ClientHello.Type>
    | M<D2mPayloadType.SERVER_INFO, ServerInfo.Type>
    | M<D2mPayloadType.REFLECTION_QUEUE_DRY, Empty.Type>
    | M<D2mPayloadType.ROLE_PROMOTED_TO_LEADER, Empty.Type>
    | M<D2mPayloadType.GET_DEVICES_INFO, Empty.Type>
    | M<D2mPayloadType.DEVICES_INFO, DevicesInfo.Type>
    | M<D2mPayloadType.DROP_DEVICE, DropDevice.Type>
    | M<D2mPayloadType.DROP_DEVICE_ACK, DropDeviceAck.Type>
    | M<D2mPayloadType.SET_SHARED_DEVICE_DATA, SetSharedDeviceData.Type>
    | M<D2mPayloadType.BEGIN_TRANSACTION, BeginTransaction.Type>
    | M<D2mPayloadType.BEGIN_TRANSACTION_ACK, Empty.Type>
    | M<D2mPayloadType.COMMIT_TRANSACTION, Empty.Type>
    | M<D2mPayloadType.COMMIT_TRANSACTION_ACK, Empty.Type>
    | M<D2mPayloadType.TRANSACTION_REJECTED, TransactionRejected.Type>
    | M<D2mPayloadType.TRANSACTION_ENDED, TransactionEnded.Type>
    | M<D2mPayloadType.REFLECT, ReflectMessage.Type>
    | M<D2mPayloadType.REFLECT_ACK, ReflectAck.Type>
    | M<D2mPayloadType.REFLECTED, Reflected.Type>
    | M<D2mPayloadType.REFLECTED_ACK, ReflectedAck.Type>;

/** The message of one payload type. */
export type D2mMessageOf<T extends D2mPayloadType> = Extract<D2mMessage, { readonly type: T }>;

/** Decodes the payload of a frame whose type is already known. */
export function decodePayload(type: D2mPayloadType, payload: Uint8Array): D2mMessage {
    const name = payloadTypeName(type);
    switch (type) {
        case D2mPayloadType.PROXY:
            return { type, body: payload };
        case D2mPayloadType.SERVER_HELLO:
            return { type, body: ServerHello.decode(payload) };
        case D2mPayloadType.CLIENT_HELLO:
            return { type, body: ClientHello.decode(payload) };
        case D2mPayloadType.SERVER_INFO:
            return { type, body: ServerInfo.decode(payload) };
        case D2mPayloadType.REFLECTION_QUEUE_DRY:
        case D2mPayloadType.ROLE_PROMOTED_TO_LEADER:
        case D2mPayloadType.GET_DEVICES_INFO:
        case D2mPayloadType.BEGIN_TRANSACTION_ACK:
        case D2mPayloadType.COMMIT_TRANSACTION:
        case D2mPayloadType.COMMIT_TRANSACTION_ACK:
            return { type, body: Empty.decode(name, payload) };
        case D2mPayloadType.DEVICES_INFO:
            return { type, body: DevicesInfo.decode(payload) };
        case D2mPayloadType.DROP_DEVICE:
            return { type, body: DropDevice.decode(payload) };
        case D2mPayloadType.DROP_DEVICE_ACK:
            return { type, body: DropDeviceAck.decode(payload) };
        case D2mPayloadType.SET_SHARED_DEVICE_DATA:
            return { type, body: SetSharedDeviceData.decode(payload) };
        case D2mPayloadType.BEGIN_TRANSACTION:
            return { type, body: BeginTransaction.decode(payload) };
        case D2mPayloadType.TRANSACTION_REJECTED:
            return { type, body: TransactionRejected.decode(payload) };
        case D2mPayloadType.TRANSACTION_ENDED:
            return { type, body: TransactionEnded.decode(payload) };
        case D2mPayloadType.REFLECT:
            return { type, body: ReflectMessage.decode(payload) };
        case D2mPayloadType.REFLECT_ACK:
            return { type, body: ReflectAck.decode(payload) };
        case D2mPayloadType.REFLECTED:
            return { type, body: Reflected.decode(payload) };
        case D2mPayloadType.REFLECTED_ACK:
            return { type, body: ReflectedAck.decode(payload) };
        default:
            return unreachable(type);
    }
}

/** Decodes a whole frame (one WebSocket message). Throws {@link D2mProtocolError} only. */
export function decodeMessage(frame: Uint8Array): D2mMessage {
    const { type, payload } = decodeFrame(frame);
    try {
        return decodePayload(type, payload);
    } catch (error) {
        if (error instanceof D2mProtocolError) throw error;
        // Defensive: a validator bug must still surface as a protocol error.
        throw new D2mProtocolError('invalid-field', `${payloadTypeName(type)}: invalid payload`, { cause: error });
    }
}

/** Encodes the payload of a message (without the container header). */
export function encodePayload(message: D2mMessage): Uint8Array {
    switch (message.type) {
        case D2mPayloadType.PROXY:
            return message.body;
        case D2mPayloadType.SERVER_HELLO:
            return ServerHello.encode(message.body);
        case D2mPayloadType.CLIENT_HELLO:
            return ClientHello.encode(message.body);
        case D2mPayloadType.SERVER_INFO:
            return ServerInfo.encode(message.body);
        case D2mPayloadType.REFLECTION_QUEUE_DRY:
        case D2mPayloadType.ROLE_PROMOTED_TO_LEADER:
        case D2mPayloadType.GET_DEVICES_INFO:
        case D2mPayloadType.BEGIN_TRANSACTION_ACK:
        case D2mPayloadType.COMMIT_TRANSACTION:
        case D2mPayloadType.COMMIT_TRANSACTION_ACK:
            return Empty.encode();
        case D2mPayloadType.DEVICES_INFO:
            return DevicesInfo.encode(message.body);
        case D2mPayloadType.DROP_DEVICE:
            return DropDevice.encode(message.body);
        case D2mPayloadType.DROP_DEVICE_ACK:
            return DropDeviceAck.encode(message.body);
        case D2mPayloadType.SET_SHARED_DEVICE_DATA:
            return SetSharedDeviceData.encode(message.body);
        case D2mPayloadType.BEGIN_TRANSACTION:
            return BeginTransaction.encode(message.body);
        case D2mPayloadType.TRANSACTION_REJECTED:
            return TransactionRejected.encode(message.body);
        case D2mPayloadType.TRANSACTION_ENDED:
            return TransactionEnded.encode(message.body);
        case D2mPayloadType.REFLECT:
            return ReflectMessage.encode(message.body);
        case D2mPayloadType.REFLECT_ACK:
            return ReflectAck.encode(message.body);
        case D2mPayloadType.REFLECTED:
            return Reflected.encode(message.body);
        case D2mPayloadType.REFLECTED_ACK:
            return ReflectedAck.encode(message.body);
        default:
            return unreachable(message);
    }
}

/** Encodes a whole frame (container header and payload). */
export function encodeMessage(message: D2mMessage): Uint8Array {
    return encodeFrame(message.type, encodePayload(message));
}
