/**
 * The device-to-device (D2D) layer a client library needs: key derivation
 * from the device group key and the encrypted blobs devices exchange through
 * the mediator (envelopes, device info, shared device data, transaction
 * scopes). Pure TypeScript with no platform APIs; the crypto comes in as a
 * d2m `CryptoBackend`.
 *
 * The mediator server never imports this folder: it relays these blobs as
 * opaque bytes.
 */
export { decryptWithNonceAhead, encryptWithNonceAhead } from './box.js';
export { decryptDeviceInfo, DevicePlatform, encryptDeviceInfo, type DeviceInfo } from './device-info.js';
export {
    decodeEnvelope,
    decryptEnvelope,
    encodeEnvelope,
    encryptEnvelope,
    type Envelope,
    type EnvelopeContentKind,
} from './envelope.js';
export { deriveDeviceGroupKeys, deriveKey, type DeviceGroupKeys } from './keys.js';
export { decryptSharedDeviceData, encryptSharedDeviceData, type SharedDeviceData } from './shared-device-data.js';
export { decryptTransactionScope, encryptTransactionScope, TransactionScope } from './transaction-scope.js';
