/**
 * The device CLI (`mediator device ...`): a device group file, a device that
 * listens, and one-shot devices that reflect, list, drop and hold
 * transactions, on the device client SDK. See docs/device-cli.md.
 */
export { DEFAULT_COMMAND_LABEL, DEFAULT_LISTEN_LABEL, deviceCommand } from './device-command.js';
export { DEFAULT_MEDIATOR_URL } from './connect.js';
export { DeviceCliError, EXIT_FAILURE, EXIT_USAGE, type DeviceCliErrorCode } from './errors.js';
export { DEFAULT_SERVER_GROUP, deviceIdsPath, GROUP_FILE_VERSION } from './group-file.js';
export type { DeviceCliIo, TextSink } from './io.js';
export { RECONNECT_DELAY_MS } from './listen.js';
export { TEXT_CONTENT_KIND } from './text-envelope.js';
