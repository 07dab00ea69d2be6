/** TransactionRejected (0x44, server to client): BeginTransaction was refused because another device holds the lock. */
import { pb } from './protobuf.js';
import { decodeWith, encode as encodeFields, type Type as TransactionEvent } from './transaction-event.js';

export const NAME = 'TransactionRejected';
export type Type = TransactionEvent;

export function decode(payload: Uint8Array): Type {
    return decodeWith(NAME, pb.TransactionRejected, payload);
}

export function encode(message: Type): Uint8Array {
    return encodeFields(message);
}
