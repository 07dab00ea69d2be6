/**
 * Shared plumbing for the protobuf message files: decoding that turns any
 * protobufjs failure into a {@link D2mProtocolError}, and field validators.
 */
import { isSafeU53, isU32, u64FromProtobuf, type ProtobufU64 } from '../bytes.js';
import { D2mProtocolError } from '../errors.js';
import protobuf from 'protobufjs/minimal.js';
import { d2m } from '../generated/d2m.js';
import { ensureDeviceId, type DeviceId } from '../types.js';

export { d2m as pb };

/** protobufjs runtime helpers (Writer, LongBits). */
export const runtime = protobuf;

interface Finishable {
    finish(): Uint8Array;
}

/** Runs a generated decoder; any exception becomes an `invalid-protobuf` protocol error. */
export function decodeProtobuf<T>(name: string, payload: Uint8Array, decode: (bytes: Uint8Array) => T): T {
    try {
        return decode(payload);
    } catch (error) {
        throw new D2mProtocolError('invalid-protobuf', `${name}: malformed protobuf`, { cause: error });
    }
}

/**
 * Bytes of a protobuf varint holding `value`, a safe non-negative integer.
 * With {@link writeVarint}, for messages the server sends on every
 * handshake: written straight into one array of the exact size, the bytes
 * protobufjs's Writer would produce for these values, without its
 * operation list and buffer allocation.
 */
export function varintByteLength(value: number): number {
    let length = 1;
    for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) length += 1;
    return length;
}

/** Writes `value` (a safe non-negative integer) as a varint at `offset`; returns the offset after it. */
export function writeVarint(out: Uint8Array, offset: number, value: number): number {
    let at = offset;
    let rest = value;
    while (rest >= 0x80) {
        out[at++] = (rest % 0x80) | 0x80;
        rest = Math.floor(rest / 0x80);
    }
    out[at++] = rest;
    return at;
}

/** Writes a length-delimited field (tag, length, bytes) at `offset`; returns the offset after it. */
export function writeBytesField(out: Uint8Array, offset: number, tag: number, bytes: Uint8Array): number {
    out[offset] = tag;
    const at = writeVarint(out, offset + 1, bytes.byteLength);
    out.set(bytes, at);
    return at + bytes.byteLength;
}

export function finish(writer: Finishable): Uint8Array {
    return writer.finish();
}

export function invalidField(name: string, field: string, problem: string): D2mProtocolError {
    return new D2mProtocolError('invalid-field', `${name}.${field} ${problem}`);
}

export function ensureLength(name: string, field: string, bytes: Uint8Array, byteLength: number): Uint8Array {
    if (bytes.byteLength !== byteLength) {
        throw invalidField(name, field, `must be ${byteLength} bytes, got ${bytes.byteLength}`);
    }
    return bytes;
}

export function ensureEnum<T extends number>(name: string, field: string, value: number, allowed: readonly T[]): T {
    if (!(allowed as readonly number[]).includes(value)) {
        throw invalidField(name, field, `has unknown enum value ${value}`);
    }
    return value as T;
}

export function ensureU32(name: string, field: string, value: number): number {
    if (!isU32(value)) throw invalidField(name, field, 'is not a u32');
    return value;
}

/** A u64 field holding Unix milliseconds (or a count) that must fit a JavaScript number. */
export function ensureTimestamp(name: string, field: string, value: ProtobufU64): number {
    const big = u64FromProtobuf(value);
    const number = Number(big);
    if (!isSafeU53(number) || BigInt(number) !== big) throw invalidField(name, field, 'exceeds 2^53 - 1');
    return number;
}

export function deviceIdFromProtobuf(value: ProtobufU64): DeviceId {
    return ensureDeviceId(u64FromProtobuf(value));
}
