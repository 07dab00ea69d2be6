/**
 * Redis Cluster slots and the keys of the commands the storage sends.
 *
 * `keySlot` is the cluster's own function: CRC16 (XMODEM) of the key's hash
 * tag (the bytes between the first `{` and the next `}`, when not empty) or
 * of the whole key, modulo 16384. `commandKeys` names the keys (and the
 * sharded channel) of every command the storage uses; a command missing from
 * the table is refused in cluster mode, so a new command cannot reach the
 * cluster without its keys being known and checked to share one slot.
 */
import type { RedisArgument } from 'redis';

export const CLUSTER_SLOTS = 16_384;

const CRC16_TABLE = (() => {
    const table = new Uint16Array(256);
    for (let byte = 0; byte < 256; byte++) {
        let crc = byte << 8;
        for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
        table[byte] = crc;
    }
    return table;
})();

function crc16(bytes: Uint8Array): number {
    let crc = 0;
    for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ byte) & 0xff] ?? 0);
    return crc;
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** The cluster slot of a key or sharded channel. */
export function keySlot(key: RedisArgument): number {
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    const open = bytes.indexOf(OPEN_BRACE);
    if (open >= 0) {
        const close = bytes.indexOf(CLOSE_BRACE, open + 1);
        if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % CLUSTER_SLOTS;
    }
    return crc16(bytes) % CLUSTER_SLOTS;
}

/** Where a command's keys are: every argument after the name, only the first, or EVAL's `numkeys` form. */
type KeySpec = 'first' | 'all' | 'script' | 'none';

/** Every command the storage sends. */
const COMMAND_KEYS: Readonly<Record<string, KeySpec>> = {
    EVAL: 'script',
    EVALSHA: 'script',
    HGETALL: 'first',
    HMGET: 'first',
    HLEN: 'first',
    SMEMBERS: 'first',
    SPUBLISH: 'first',
    DEL: 'all',
    PING: 'none',
};

/**
 * The keys (or sharded channel) of a command, in order; `undefined` for a
 * command the storage does not use.
 */
export function commandKeys(args: readonly RedisArgument[]): readonly RedisArgument[] | undefined {
    const name = args[0]?.toString().toUpperCase();
    const spec = name === undefined ? undefined : COMMAND_KEYS[name];
    switch (spec) {
        case undefined:
            return undefined;
        case 'none':
            return [];
        case 'first':
            return args.slice(1, 2);
        case 'all':
            return args.slice(1);
        case 'script': {
            const count = Number(args[2]?.toString());
            if (!Number.isSafeInteger(count) || count < 0 || 3 + count > args.length) return undefined;
            return args.slice(3, 3 + count);
        }
    }
}

/** The one slot all keys share, `undefined` for none, or `'cross-slot'`. */
export function commonSlot(keys: readonly RedisArgument[]): number | 'cross-slot' | undefined {
    let slot: number | undefined;
    for (const key of keys) {
        const next = keySlot(key);
        if (slot !== undefined && next !== slot) return 'cross-slot';
        slot = next;
    }
    return slot;
}
