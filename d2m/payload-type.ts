/**
 * D2M payload types (the first byte of every frame). The codes are the same
 * in both protocol revisions.
 */

export enum D2mPayloadType {
    PROXY = 0x00,
    SERVER_HELLO = 0x10,
    CLIENT_HELLO = 0x11,
    SERVER_INFO = 0x12,
    REFLECTION_QUEUE_DRY = 0x20,
    ROLE_PROMOTED_TO_LEADER = 0x21,
    GET_DEVICES_INFO = 0x30,
    DEVICES_INFO = 0x31,
    DROP_DEVICE = 0x32,
    DROP_DEVICE_ACK = 0x33,
    SET_SHARED_DEVICE_DATA = 0x34,
    BEGIN_TRANSACTION = 0x40,
    BEGIN_TRANSACTION_ACK = 0x41,
    COMMIT_TRANSACTION = 0x42,
    COMMIT_TRANSACTION_ACK = 0x43,
    TRANSACTION_REJECTED = 0x44,
    TRANSACTION_ENDED = 0x45,
    REFLECT = 0x80,
    REFLECT_ACK = 0x81,
    REFLECTED = 0x82,
    REFLECTED_ACK = 0x83,
}

/** Who sends a payload type: client to server, server to client, or both. */
export type PayloadDirection = 'client-to-server' | 'server-to-client' | 'both';

interface PayloadTypeInfo {
    readonly name: string;
    readonly direction: PayloadDirection;
    readonly encoding: 'raw' | 'protobuf' | 'struct';
}

export const PAYLOAD_TYPES: ReadonlyMap<D2mPayloadType, PayloadTypeInfo> = new Map<D2mPayloadType, PayloadTypeInfo>([
    [D2mPayloadType.PROXY, { name: 'Proxy', direction: 'both', encoding: 'raw' }],
    [D2mPayloadType.SERVER_HELLO, { name: 'ServerHello', direction: 'server-to-client', encoding: 'protobuf' }],
    [D2mPayloadType.CLIENT_HELLO, { name: 'ClientHello', direction: 'client-to-server', encoding: 'protobuf' }],
    [D2mPayloadType.SERVER_INFO, { name: 'ServerInfo', direction: 'server-to-client', encoding: 'protobuf' }],
    [
        D2mPayloadType.REFLECTION_QUEUE_DRY,
        { name: 'ReflectionQueueDry', direction: 'server-to-client', encoding: 'protobuf' },
    ],
    [
        D2mPayloadType.ROLE_PROMOTED_TO_LEADER,
        { name: 'RolePromotedToLeader', direction: 'server-to-client', encoding: 'protobuf' },
    ],
    [D2mPayloadType.GET_DEVICES_INFO, { name: 'GetDevicesInfo', direction: 'client-to-server', encoding: 'protobuf' }],
    [D2mPayloadType.DEVICES_INFO, { name: 'DevicesInfo', direction: 'server-to-client', encoding: 'protobuf' }],
    [D2mPayloadType.DROP_DEVICE, { name: 'DropDevice', direction: 'client-to-server', encoding: 'protobuf' }],
    [D2mPayloadType.DROP_DEVICE_ACK, { name: 'DropDeviceAck', direction: 'server-to-client', encoding: 'protobuf' }],
    [
        D2mPayloadType.SET_SHARED_DEVICE_DATA,
        { name: 'SetSharedDeviceData', direction: 'client-to-server', encoding: 'protobuf' },
    ],
    [
        D2mPayloadType.BEGIN_TRANSACTION,
        { name: 'BeginTransaction', direction: 'client-to-server', encoding: 'protobuf' },
    ],
    [
        D2mPayloadType.BEGIN_TRANSACTION_ACK,
        { name: 'BeginTransactionAck', direction: 'server-to-client', encoding: 'protobuf' },
    ],
    [
        D2mPayloadType.COMMIT_TRANSACTION,
        { name: 'CommitTransaction', direction: 'client-to-server', encoding: 'protobuf' },
    ],
    [
        D2mPayloadType.COMMIT_TRANSACTION_ACK,
        { name: 'CommitTransactionAck', direction: 'server-to-client', encoding: 'protobuf' },
    ],
    [
        D2mPayloadType.TRANSACTION_REJECTED,
        { name: 'TransactionRejected', direction: 'server-to-client', encoding: 'protobuf' },
    ],
    [
        D2mPayloadType.TRANSACTION_ENDED,
        { name: 'TransactionEnded', direction: 'server-to-client', encoding: 'protobuf' },
    ],
    [D2mPayloadType.REFLECT, { name: 'Reflect', direction: 'client-to-server', encoding: 'struct' }],
    [D2mPayloadType.REFLECT_ACK, { name: 'ReflectAck', direction: 'server-to-client', encoding: 'struct' }],
    [D2mPayloadType.REFLECTED, { name: 'Reflected', direction: 'server-to-client', encoding: 'struct' }],
    [D2mPayloadType.REFLECTED_ACK, { name: 'ReflectedAck', direction: 'client-to-server', encoding: 'struct' }],
]);

export function isPayloadType(value: number): value is D2mPayloadType {
    return PAYLOAD_TYPES.has(value);
}

/** Human-readable name, also for unknown codes (`0x7f`). */
export function payloadTypeName(value: number): string {
    return PAYLOAD_TYPES.get(value)?.name ?? `0x${value.toString(16).padStart(2, '0')}`;
}

/** Whether a client may send this payload type. */
export function isClientToServer(type: D2mPayloadType): boolean {
    const direction = PAYLOAD_TYPES.get(type)?.direction;
    return direction === 'client-to-server' || direction === 'both';
}

/** Whether a server may send this payload type. */
export function isServerToClient(type: D2mPayloadType): boolean {
    const direction = PAYLOAD_TYPES.get(type)?.direction;
    return direction === 'server-to-client' || direction === 'both';
}
