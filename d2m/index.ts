/**
 * The D2M protocol library: framing, payload codecs, ClientUrlInfo, close
 * codes and the authentication handshake. Pure TypeScript with no platform
 * APIs or I/O, shared by the mediator, the device client SDK and any other
 * client.
 */
export * from './bytes.js';
export * from './client-url-info.js';
export * from './close-code.js';
export type * from './crypto.js';
export { tweetnaclBackend } from './crypto/tweetnacl-backend.js';
export * from './errors.js';
export * from './frame.js';
export * from './handshake.js';
export * from './message.js';
export * from './messages/enums.js';
export { FLAG_EPHEMERAL } from './messages/struct.js';
export * from './payload-type.js';
export * from './types.js';

export * as BeginTransaction from './messages/begin-transaction.js';
export * as ClientHello from './messages/client-hello.js';
export * as DevicesInfo from './messages/devices-info.js';
export * as DropDevice from './messages/drop-device.js';
export * as DropDeviceAck from './messages/drop-device-ack.js';
export * as Empty from './messages/empty.js';
export * as ReflectMessage from './messages/reflect.js';
export * as ReflectAck from './messages/reflect-ack.js';
export * as Reflected from './messages/reflected.js';
export * as ReflectedAck from './messages/reflected-ack.js';
export * as ServerHello from './messages/server-hello.js';
export * as ServerInfo from './messages/server-info.js';
export * as SetSharedDeviceData from './messages/set-shared-device-data.js';
export * as TransactionEnded from './messages/transaction-ended.js';
export * as TransactionRejected from './messages/transaction-rejected.js';
