/**
 * A minimal protobuf wire-format reader for tests: splits a message into its
 * top-level fields, so that tests can check what the encoders wrote (for
 * example the padding bytes) independently of the generated code.
 */

export interface WireField {
    readonly fieldNumber: number;
    readonly wireType: number;
    /** Varint and fixed values as bigint, length-delimited values as bytes. */
    readonly value: bigint | Uint8Array;
}

function readVarint(bytes: Uint8Array, offset: number): [value: bigint, next: number] {
    let value = 0n;
    let shift = 0n;
    for (let i = offset; i < bytes.byteLength; i++) {
        const byte = bytes[i]!;
        value |= BigInt(byte & 0x7f) << shift;
        if ((byte & 0x80) === 0) return [value, i + 1];
        shift += 7n;
    }
    throw new Error('truncated varint');
}

function readFixed(bytes: Uint8Array, offset: number, byteLength: number): bigint {
    if (offset + byteLength > bytes.byteLength) throw new Error('truncated fixed field');
    let value = 0n;
    for (let i = byteLength - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[offset + i]!);
    return value;
}

export function readWireFields(bytes: Uint8Array): WireField[] {
    const fields: WireField[] = [];
    let offset = 0;
    while (offset < bytes.byteLength) {
        const [tag, afterTag] = readVarint(bytes, offset);
        const fieldNumber = Number(tag >> 3n);
        const wireType = Number(tag & 7n);
        offset = afterTag;
        switch (wireType) {
            case 0: {
                const [value, next] = readVarint(bytes, offset);
                fields.push({ fieldNumber, wireType, value });
                offset = next;
                break;
            }
            case 1:
                fields.push({ fieldNumber, wireType, value: readFixed(bytes, offset, 8) });
                offset += 8;
                break;
            case 2: {
                const [length, next] = readVarint(bytes, offset);
                const end = next + Number(length);
                if (end > bytes.byteLength) throw new Error('truncated length-delimited field');
                fields.push({ fieldNumber, wireType, value: bytes.subarray(next, end) });
                offset = end;
                break;
            }
            case 5:
                fields.push({ fieldNumber, wireType, value: readFixed(bytes, offset, 4) });
                offset += 4;
                break;
            default:
                throw new Error(`unsupported wire type ${wireType}`);
        }
    }
    return fields;
}

/** The bytes of length-delimited field `fieldNumber`, or `undefined` when absent. */
export function bytesField(fields: readonly WireField[], fieldNumber: number): Uint8Array | undefined {
    const field = fields.find((candidate) => candidate.fieldNumber === fieldNumber);
    if (field === undefined) return undefined;
    if (!(field.value instanceof Uint8Array)) throw new Error(`field ${fieldNumber} is not length-delimited`);
    return field.value;
}
