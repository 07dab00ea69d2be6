/**
 * WebSocket close codes of the D2M protocol, with what they mean and whether
 * a client may reconnect on its own.
 *
 * Ranges: 1xxx standard WebSocket codes; 40xx transient (a client reconnects
 * automatically); 41xx permanent until the user acts (automatic reconnection
 * is turned off). Any other code: log a warning, reconnecting is allowed.
 */

export enum CloseCode {
    NORMAL = 1000,
    GOING_AWAY = 1001,
    /** Never on the wire: the connection ended without a close frame. */
    ABNORMAL = 1006,
    INTERNAL_ERROR = 1011,
    TRY_AGAIN_LATER = 1013,
    CHAT_SERVER_CONNECTION_CLOSED = 4000,
    CHAT_SERVER_CONNECTION_FAILED = 4001,
    CHAT_SERVER_CONNECTION_ERROR = 4009,
    PROTOCOL_ERROR = 4010,
    TRANSACTION_TTL_EXCEEDED = 4011,
    UNEXPECTED_ACK = 4012,
    CLIENT_IDLE_TIMEOUT = 4013,
    UNSUPPORTED_PROTOCOL_VERSION = 4110,
    DEVICE_LIMIT_REACHED = 4111,
    DUPLICATE_CONNECTION = 4112,
    DEVICE_DROPPED = 4113,
    REFLECTION_QUEUE_LIMIT_REACHED = 4114,
    DEVICE_SLOT_STATE_MISMATCH = 4115,
}

/**
 * - `auto`: the client may reconnect on its own (after its back-off).
 * - `user-action`: only after the user acts; automatic reconnection is off.
 */
export type ReconnectPolicy = 'auto' | 'user-action';

export interface CloseCodeInfo {
    readonly code: number;
    readonly name: string;
    readonly meaning: string;
    readonly reconnect: ReconnectPolicy;
}

const TABLE: readonly (readonly [CloseCode, string, string])[] = [
    [CloseCode.NORMAL, 'normal', 'normal closure: the peer disconnected on purpose'],
    [CloseCode.GOING_AWAY, 'going-away', 'the mediator is shutting down or restarting'],
    [CloseCode.ABNORMAL, 'abnormal', 'the connection ended without a close frame'],
    [CloseCode.INTERNAL_ERROR, 'internal-error', 'unexpected mediator failure'],
    [CloseCode.TRY_AGAIN_LATER, 'try-again-later', 'the mediator cannot serve now (storage unavailable or overloaded)'],
    [
        CloseCode.CHAT_SERVER_CONNECTION_CLOSED,
        'chat-server-connection-closed',
        'the chat server closed the upstream connection',
    ],
    [
        CloseCode.CHAT_SERVER_CONNECTION_FAILED,
        'chat-server-connection-failed',
        'the upstream chat-server connection could not be established',
    ],
    [CloseCode.CHAT_SERVER_CONNECTION_ERROR, 'chat-server-connection-error', 'internal error in the chat-server proxy'],
    [
        CloseCode.PROTOCOL_ERROR,
        'protocol-error',
        'malformed frame, wrong state, failed authentication or oversized envelope',
    ],
    [
        CloseCode.TRANSACTION_TTL_EXCEEDED,
        'transaction-ttl-exceeded',
        'the transaction lock was held longer than its TTL',
    ],
    [CloseCode.UNEXPECTED_ACK, 'unexpected-ack', 'an acknowledgement for a message that was not pending'],
    [
        CloseCode.CLIENT_IDLE_TIMEOUT,
        'client-idle-timeout',
        'the client sent nothing, not even a pong, for the idle timeout',
    ],
    [CloseCode.UNSUPPORTED_PROTOCOL_VERSION, 'unsupported-protocol-version', 'no protocol version both sides support'],
    [
        CloseCode.DEVICE_LIMIT_REACHED,
        'device-limit-reached',
        'all device slots are in use and the client asked not to drop any',
    ],
    [
        CloseCode.DUPLICATE_CONNECTION,
        'duplicate-connection',
        'the same device id connected again; this older connection ends',
    ],
    [
        CloseCode.DEVICE_DROPPED,
        'device-dropped',
        'the device slot was dropped (by a device, by slot eviction or by itself)',
    ],
    [
        CloseCode.REFLECTION_QUEUE_LIMIT_REACHED,
        'reflection-queue-limit-reached',
        'the reflection queue overflowed and the device slot was dropped',
    ],
    [
        CloseCode.DEVICE_SLOT_STATE_MISMATCH,
        'device-slot-state-mismatch',
        'the expected device slot state (new or existing) does not match',
    ],
];

export const CLOSE_CODES: ReadonlyMap<number, CloseCodeInfo> = new Map(
    TABLE.map(([code, name, meaning]) => [code, { code, name, meaning, reconnect: reconnectPolicy(code) }]),
);

/** The reconnect rule for any code, listed or not. */
export function reconnectPolicy(code: number): ReconnectPolicy {
    return code >= 4100 && code <= 4199 ? 'user-action' : 'auto';
}

/** Table entry for a code; unknown codes get a generic entry with the range rule. */
export function closeCodeInfo(code: number): CloseCodeInfo {
    return (
        CLOSE_CODES.get(code) ?? {
            code,
            name: 'unknown',
            meaning: `close code ${code} is not defined by the protocol`,
            reconnect: reconnectPolicy(code),
        }
    );
}

/** Whether a client may reconnect automatically after this code. */
export function mayReconnectAutomatically(code: number): boolean {
    return reconnectPolicy(code) === 'auto';
}
