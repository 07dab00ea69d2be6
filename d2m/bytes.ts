/**
 * Byte helpers shared by the codecs: hex, constant-time comparison,
 * little-endian integers and u64 conversions between protobufjs `Long`
 * values and `bigint`. Pure: no platform APIs.
 */
import Long from 'long';

const HEX_DIGITS = '0123456789abcdef';

/** Lowercase hex without separators. */
export function bytesToHex(bytes: Uint8Array): string {
    let out = '';
    for (const byte of bytes) {
        out += HEX_DIGITS[byte >>> 4]! + HEX_DIGITS[byte & 0x0f]!;
    }
    return out;
}

function hexNibble(code: number): number {
    if (code >= 0x30 && code <= 0x39) return code - 0x30;
    if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
    if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
    return -1;
}

/** Parses hex (either case). Returns `undefined` for odd length or a non-hex character. */
export function hexToBytes(hex: string): Uint8Array | undefined {
    if (hex.length % 2 !== 0) return undefined;
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) {
        const high = hexNibble(hex.charCodeAt(2 * i));
        const low = hexNibble(hex.charCodeAt(2 * i + 1));
        if (high < 0 || low < 0) return undefined;
        out[i] = (high << 4) | low;
    }
    return out;
}

/**
 * Compares two byte arrays in time that depends only on their lengths, never
 * on their contents.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
    if (a.byteLength !== b.byteLength) return false;
    let diff = 0;
    for (let i = 0; i < a.byteLength; i++) {
        diff |= a[i]! ^ b[i]!;
    }
    return diff === 0;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
    let length = 0;
    for (const part of parts) length += part.byteLength;
    const out = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
        out.set(part, offset);
        offset += part.byteLength;
    }
    return out;
}

/*
 * Little-endian integers read and written byte by byte: a struct header is a
 * few bytes, and a DataView (or a bigint for a u64) per frame would be
 * garbage on the hottest path. Offsets must be in range (callers check the
 * length first).
 */

export function readU16LE(bytes: Uint8Array, offset: number): number {
    return bytes[offset]! | (bytes[offset + 1]! << 8);
}

export function readU32LE(bytes: Uint8Array, offset: number): number {
    return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16)) + bytes[offset + 3]! * 0x100_0000;
}

/** A u64 as a number, or `undefined` when it exceeds 2^53 - 1. */
export function readU53LE(bytes: Uint8Array, offset: number): number | undefined {
    const high = readU32LE(bytes, offset + 4);
    if (high > 0x1f_ffff) return undefined;
    return high * 0x1_0000_0000 + readU32LE(bytes, offset);
}

export function writeU16LE(bytes: Uint8Array, offset: number, value: number): void {
    bytes[offset] = value & 0xff;
    bytes[offset + 1] = (value >>> 8) & 0xff;
}

export function writeU32LE(bytes: Uint8Array, offset: number, value: number): void {
    bytes[offset] = value & 0xff;
    bytes[offset + 1] = (value >>> 8) & 0xff;
    bytes[offset + 2] = (value >>> 16) & 0xff;
    bytes[offset + 3] = (value >>> 24) & 0xff;
}

/** Writes a non-negative safe integer as a u64. */
export function writeU53LE(bytes: Uint8Array, offset: number, value: number): void {
    const high = Math.floor(value / 0x1_0000_0000);
    writeU32LE(bytes, offset, value - high * 0x1_0000_0000);
    writeU32LE(bytes, offset + 4, high);
}

export const U16_MAX = 0xffff;
export const U32_MAX = 0xffff_ffff;
export const U64_MAX = 0xffff_ffff_ffff_ffffn;

export function isU16(value: number): boolean {
    return Number.isInteger(value) && value >= 0 && value <= U16_MAX;
}

export function isU32(value: number): boolean {
    return Number.isInteger(value) && value >= 0 && value <= U32_MAX;
}

export function isU64(value: bigint): boolean {
    return value >= 0n && value <= U64_MAX;
}

/** A Unix-millisecond timestamp (or other u64) that fits a JavaScript number exactly. */
export function isSafeU53(value: number): boolean {
    return Number.isSafeInteger(value) && value >= 0;
}

/** What protobufjs yields for 64-bit fields: a `Long` (or a plain number for small values). */
export type ProtobufU64 = number | Long;

/** Converts a decoded protobufjs 64-bit value to an unsigned bigint. */
export function u64FromProtobuf(value: ProtobufU64): bigint {
    if (typeof value === 'number') return BigInt.asUintN(64, BigInt(value));
    return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}

/** Converts an unsigned bigint (at most 64 bits) to what protobufjs encodes. */
export function u64ToProtobuf(value: bigint): Long {
    const low = Number(value & 0xffff_ffffn) | 0;
    const high = Number((value >> 32n) & 0xffff_ffffn) | 0;
    return Long.fromBits(low, high, true);
}
