/**
 * Wire format of group events on the Redis bus: one compact JSON array per
 * message, except the `appended` event of an append, which carries the
 * reflections' envelopes as raw bytes (one item, or a batch of them). Device ids (u64) travel as decimal
 * strings, bytes in JSON as base64, and terms as decimal strings (that is
 * how the Lua scripts, which publish `appended`, `kick`, `transaction-ended`
 * and `promoted`, write them).
 *
 * | event               | message                                            |
 * |---------------------|----------------------------------------------------|
 * | `appended`          | `["a", [deviceId, ...], [seq, ...]]`               |
 * | `appended` + item   | 0x01, u32 big-endian n, n bytes of the JSON header |
 * |                     | `["a", [deviceId, ...], [seq, ...], flags, "timestamp"]`, |
 * |                     | then the envelope (the rest of the message)        |
 * | `appended` + items  | 0x02, u32 big-endian n, n bytes of the JSON header |
 * |                     | `["a", [deviceId, ...], [seq, ...], [flags, ...], ["timestamp", ...], [length, ...]]`, |
 * |                     | then the envelopes, concatenated (the rest of the message); |
 * |                     | seqs are those of the last item                    |
 * | `ephemeral`         | `["x", senderDeviceId, flags, timestamp, envelope]`|
 * | `kick`              | `["k", deviceId, connectionId, code]`              |
 * | `transaction-ended` | `["e", deviceId, connectionId, encryptedScope, token]` (token absent from older nodes) |
 * | `promoted`          | `["p", deviceId, connectionId, term]`              |
 *
 * A JSON message starts with `[` (0x5b), so the first byte tells the
 * forms apart. Subscribers receive messages as Buffers (bus-connection.ts).
 *
 * A subscription barrier `["m", nonce]` also travels on the channel (see
 * redis-group-coordinator.ts); it is not an event, and every node ignores
 * the barriers it did not send.
 */
import { ensureDeviceId, isDeviceId, type DeviceId } from '../../../d2m/index.js';
import type { AppendedItem, GroupEvent } from '../group-coordinator.js';

/** First byte of an `appended` event that carries its item. */
const APPENDED_WITH_ITEM = 0x01;
/** First byte of an `appended` event that carries more than one item. */
const APPENDED_WITH_ITEMS = 0x02;
/** The marker byte and the header length. */
const ITEM_PREFIX_BYTE_LENGTH = 5;

function binaryAppended(marker: number, header: unknown, items: readonly AppendedItem[]): Buffer {
    const headerBytes = Buffer.from(JSON.stringify(header));
    let length = ITEM_PREFIX_BYTE_LENGTH + headerBytes.byteLength;
    for (const item of items) length += item.envelope.byteLength;
    const message = Buffer.allocUnsafe(length);
    message[0] = marker;
    message.writeUInt32BE(headerBytes.byteLength, 1);
    headerBytes.copy(message, ITEM_PREFIX_BYTE_LENGTH);
    let offset = ITEM_PREFIX_BYTE_LENGTH + headerBytes.byteLength;
    for (const item of items) {
        message.set(item.envelope, offset);
        offset += item.envelope.byteLength;
    }
    return message;
}

export function encodeGroupEvent(event: GroupEvent): string | Buffer {
    switch (event.type) {
        case 'appended': {
            const ids = event.deviceIds.map(String);
            const items = event.items;
            if (items !== undefined && items.length > 0 && event.seqs !== undefined) {
                const header =
                    items.length === 1
                        ? ['a', ids, event.seqs, items[0]!.flags, String(items[0]!.timestamp)]
                        : [
                              'a',
                              ids,
                              event.seqs,
                              items.map((item) => item.flags),
                              items.map((item) => String(item.timestamp)),
                              items.map((item) => item.envelope.byteLength),
                          ];
                return binaryAppended(items.length === 1 ? APPENDED_WITH_ITEM : APPENDED_WITH_ITEMS, header, items);
            }
            return JSON.stringify(event.seqs === undefined ? ['a', ids] : ['a', ids, event.seqs]);
        }
        case 'ephemeral':
            return JSON.stringify([
                'x',
                String(event.senderDeviceId),
                event.flags,
                event.timestamp,
                Buffer.from(event.envelope).toString('base64'),
            ]);
        case 'kick':
            return JSON.stringify(['k', String(event.deviceId), event.connectionId, event.code]);
        case 'transaction-ended':
            return JSON.stringify([
                'e',
                String(event.deviceId),
                event.connectionId,
                Buffer.from(event.encryptedScope).toString('base64'),
                ...(event.token === undefined ? [] : [event.token]),
            ]);
        case 'promoted':
            return JSON.stringify(['p', String(event.deviceId), event.connectionId, String(event.term)]);
        case 'bus-interrupted':
            throw new Error('bus-interrupted is a local event and is never published');
    }
}

const BARRIER_PREFIX = '["m",';

export function encodeBarrier(nonce: string): string {
    return JSON.stringify(['m', nonce]);
}

function messageText(message: string | Uint8Array): string {
    return typeof message === 'string' ? message : Buffer.from(message).toString('utf8');
}

/** The nonce when the message is a subscription barrier, else undefined. */
export function decodeBarrier(message: string | Uint8Array): string | undefined {
    if (typeof message !== 'string' && message[0] !== BARRIER_PREFIX.charCodeAt(0)) return undefined;
    const text = messageText(message);
    if (!text.startsWith(BARRIER_PREFIX)) return undefined;
    try {
        const value: unknown = JSON.parse(text);
        return Array.isArray(value) && typeof value[1] === 'string' ? value[1] : undefined;
    } catch {
        return undefined;
    }
}

/** The event, or undefined when the message is not a well-formed event. */
export function decodeGroupEvent(message: string | Uint8Array): GroupEvent | undefined {
    if (typeof message !== 'string' && (message[0] === APPENDED_WITH_ITEM || message[0] === APPENDED_WITH_ITEMS)) {
        return decodeAppendedWithItems(message);
    }
    let value: unknown;
    try {
        value = JSON.parse(messageText(message));
    } catch {
        return undefined;
    }
    if (!Array.isArray(value)) return undefined;
    const fields: readonly unknown[] = value;
    try {
        switch (fields[0]) {
            case 'a': {
                const ids = fields[1];
                const seqs = fields[2];
                if (!Array.isArray(ids)) return undefined;
                const deviceIds = ids.map((id: unknown) => deviceIdField(id));
                if (!Array.isArray(seqs) || seqs.length !== ids.length) return { type: 'appended', deviceIds };
                return { type: 'appended', deviceIds, seqs: seqs.map((seq: unknown) => integerField(seq)) };
            }
            case 'x':
                return {
                    type: 'ephemeral',
                    senderDeviceId: deviceIdField(fields[1]),
                    flags: integerField(fields[2]),
                    timestamp: integerField(fields[3]),
                    envelope: bytesField(fields[4]),
                };
            case 'k':
                return {
                    type: 'kick',
                    deviceId: deviceIdField(fields[1]),
                    connectionId: stringField(fields[2]),
                    code: integerField(fields[3]),
                };
            case 'e': {
                const ended = {
                    type: 'transaction-ended',
                    deviceId: deviceIdField(fields[1]),
                    connectionId: stringField(fields[2]),
                    encryptedScope: bytesField(fields[3]),
                } as const;
                return fields[4] === undefined ? ended : { ...ended, token: stringField(fields[4]) };
            }
            case 'p':
                return {
                    type: 'promoted',
                    deviceId: deviceIdField(fields[1]),
                    connectionId: stringField(fields[2]),
                    term: integerField(fields[3]),
                };
            default:
                return undefined;
        }
    } catch {
        return undefined;
    }
}

/** The binary `appended` forms (see the table above); the envelopes are copied out of the message. */
function decodeAppendedWithItems(message: Uint8Array): GroupEvent | undefined {
    if (message.byteLength < ITEM_PREFIX_BYTE_LENGTH) return undefined;
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    const headerEnd = ITEM_PREFIX_BYTE_LENGTH + view.getUint32(1);
    if (headerEnd > message.byteLength) return undefined;
    try {
        const value: unknown = JSON.parse(messageText(message.subarray(ITEM_PREFIX_BYTE_LENGTH, headerEnd)));
        if (!Array.isArray(value) || value[0] !== 'a') return undefined;
        const fields: readonly unknown[] = value;
        const ids = fields[1];
        const seqs = fields[2];
        if (!Array.isArray(ids) || !Array.isArray(seqs) || seqs.length !== ids.length) return undefined;
        const deviceIds = ids.map((id: unknown) => deviceIdField(id));
        const seqNumbers = seqs.map((seq: unknown) => integerField(seq));
        const items: AppendedItem[] = [];
        if (message[0] === APPENDED_WITH_ITEM) {
            // A copy: a view would keep the whole message (or the socket's read buffer) alive.
            items.push({
                flags: flagsField(fields[3]),
                timestamp: integerField(fields[4]),
                envelope: new Uint8Array(message.subarray(headerEnd)),
            });
        } else {
            const flags = fields[3];
            const timestamps = fields[4];
            const lengths = fields[5];
            if (!Array.isArray(flags) || !Array.isArray(timestamps) || !Array.isArray(lengths)) return undefined;
            const count = flags.length;
            if (count < 2 || timestamps.length !== count || lengths.length !== count) return undefined;
            let offset = headerEnd;
            for (let index = 0; index < count; index++) {
                const length = integerField(lengths[index]);
                if (length < 0 || offset + length > message.byteLength) return undefined;
                items.push({
                    flags: flagsField(flags[index]),
                    timestamp: integerField(timestamps[index]),
                    envelope: new Uint8Array(message.subarray(offset, offset + length)),
                });
                offset += length;
            }
            if (offset !== message.byteLength) return undefined;
        }
        return { type: 'appended', deviceIds, seqs: seqNumbers, items };
    } catch {
        return undefined;
    }
}

function flagsField(value: unknown): number {
    const flags = integerField(value);
    if (flags < 0 || flags > 0xffff) throw new TypeError('flags out of range');
    return flags;
}

/** Decimal text of a device id, as keys and scripts use it. */
export function deviceIdText(deviceId: DeviceId): string {
    return deviceId.toString(10);
}

/** Parses a canonical decimal device id (from a reply or message). */
export function parseDeviceId(text: string): DeviceId {
    if (!/^(0|[1-9]\d{0,19})$/u.test(text)) throw new TypeError(`not a device id: ${text}`);
    const value = BigInt(text);
    if (!isDeviceId(value)) throw new TypeError(`not a device id: ${text}`);
    return value;
}

function deviceIdField(value: unknown): DeviceId {
    return ensureDeviceId(parseDeviceId(stringField(value)));
}

function stringField(value: unknown): string {
    if (typeof value !== 'string') throw new TypeError('expected a string');
    return value;
}

function integerField(value: unknown): number {
    const number = typeof value === 'string' && /^-?\d+$/u.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw new TypeError('expected an integer');
    return number;
}

function bytesField(value: unknown): Uint8Array {
    return new Uint8Array(Buffer.from(stringField(value), 'base64'));
}
