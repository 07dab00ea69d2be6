/** The part of the sodium-native addon's API that the server uses (it ships no type declarations). */
declare module 'sodium-native' {
    /** Each function throws an Error for a libsodium status other than 0, and on wrong lengths. */
    interface Sodium {
        crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
        crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
        /** Whether the box opened (false also for a public key of small order). */
        crypto_box_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, pk: Uint8Array, sk: Uint8Array): boolean;
        crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void;
        crypto_secretbox_open_easy(m: Uint8Array, c: Uint8Array, n: Uint8Array, k: Uint8Array): boolean;
        sodium_memzero(buffer: Uint8Array): void;
    }
    const sodium: Sodium;
    export default sodium;
}
