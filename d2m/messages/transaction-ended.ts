/** TransactionEnded (0x45, server to client): the lock holder committed or its connection ended. */
import { pb } from './protobuf.js';
import { decodeWith, encode as encodeFields, type Type as TransactionEvent } from './transaction-event.js';

export const NAME = 'TransactionEnded';
export type Type = TransactionEvent;

export function decode(payload: Uint8Array): Type {
    return decodeWith(NAME, pb.TransactionEnded, payload);
}

export function encode(message: Type): Uint8Array {
    return encodeFields(message);
}
