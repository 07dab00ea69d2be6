/**
 * Device client SDK: connects a device to a D2M mediator over WebSocket and
 * exposes reflection, transactions, device management and the chat-server
 * proxy as a typed promise and event API. Built on `d2m/` (protocol) and
 * `d2d/` (device-to-device encryption). It never logs.
 */
export { DeviceClient, type ReflectOptions } from './device-client.js';
export {
    DEVICE_CLIENT_ERROR_CODES,
    DeviceClientError,
    MediatorCloseError,
    type CloseInitiator,
    type DeviceClientErrorCode,
    type MediatorCloseErrorInit,
} from './errors.js';
export {
    TypedEmitter,
    type DeviceClientEventMap,
    type DeviceClientEventName,
    type Listener,
    type ReflectedEvent,
    type TransactionEndedEvent,
} from './events.js';
export type { DeviceServerInfo } from './handshake.js';
export {
    CLOSE_GRACE_MS,
    DEFAULT_CRYPTO,
    DEFAULT_DEVICE_INFO,
    HANDSHAKE_TIMEOUT_MS,
    SEND_HIGH_WATER_MARK_BYTES,
    SEND_LOW_WATER_MARK_BYTES,
    SEND_POLL_INTERVAL_MS,
    type DeviceClientOptions,
    type DeviceTlsOptions,
} from './options.js';
export type { DeviceSlotInfo } from './results.js';
export type { BeginTransactionResult, TransactionOptions } from './transactions.js';
