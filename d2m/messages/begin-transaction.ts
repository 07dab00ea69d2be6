/**
 * BeginTransaction (0x40, client to server): take the group's transaction
 * lock. `ttl` (field 2, current revision) is in seconds; 0 asks for the
 * server default.
 */
import { decodeProtobuf, ensureU32, finish, pb } from './protobuf.js';

export const NAME = 'BeginTransaction';

export interface Type {
    /** Encrypted d2d.TransactionScope, opaque to the mediator. */
    readonly encryptedScope: Uint8Array;
    /** Seconds; 0 = server default. */
    readonly ttl: number;
}

export function decode(payload: Uint8Array): Type {
    const raw = decodeProtobuf(NAME, payload, (bytes) => pb.BeginTransaction.decode(bytes));
    return { encryptedScope: raw.encryptedScope, ttl: ensureU32(NAME, 'ttl', raw.ttl) };
}

export function encode(message: Type): Uint8Array {
    return finish(pb.BeginTransaction.encode({ encryptedScope: message.encryptedScope, ttl: message.ttl }));
}
