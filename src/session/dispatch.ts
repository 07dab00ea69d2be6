/**
 * Dispatch of what an authenticated device sends: each request goes to the
 * device connection (src/mediator/device-connection.ts) that owns what the
 * device may do to its group, and Proxy frames go to its chat-server relay.
 * Messages a client must not send are protocol errors (4010). The session
 * calls this for one message at a time, in arrival order.
 */
import { D2mPayloadType, D2mProtocolError, payloadTypeName, type D2mMessage } from '../../d2m/index.js';
import type { DeviceConnection } from '../mediator/device-connection.js';
import type { ProxyRelay } from '../mediator/proxy-relay.js';

function unexpected(type: D2mPayloadType): D2mProtocolError {
    return new D2mProtocolError('unexpected-message', `${payloadTypeName(type)} is not accepted from a client`);
}

export async function dispatchRequest(
    message: D2mMessage,
    device: DeviceConnection,
    relay: Pick<ProxyRelay, 'onProxy'>,
): Promise<void> {
    switch (message.type) {
        case D2mPayloadType.REFLECT:
            return device.reflect(message.body);
        case D2mPayloadType.REFLECTED_ACK:
            return device.reflectedAck(message.body.reflectedId);
        case D2mPayloadType.GET_DEVICES_INFO:
            return device.getDevicesInfo();
        case D2mPayloadType.DROP_DEVICE:
            return device.dropDevice(message.body.deviceId);
        case D2mPayloadType.SET_SHARED_DEVICE_DATA:
            return device.setSharedDeviceData(message.body.encryptedSharedDeviceData);
        case D2mPayloadType.BEGIN_TRANSACTION:
            return device.beginTransaction(message.body);
        case D2mPayloadType.COMMIT_TRANSACTION:
            return device.commitTransaction();
        case D2mPayloadType.PROXY:
            relay.onProxy(message.body);
            return;
        case D2mPayloadType.CLIENT_HELLO:
            throw new D2mProtocolError('unexpected-message', 'a second ClientHello');
        case D2mPayloadType.SERVER_HELLO:
        case D2mPayloadType.SERVER_INFO:
        case D2mPayloadType.REFLECTION_QUEUE_DRY:
        case D2mPayloadType.ROLE_PROMOTED_TO_LEADER:
        case D2mPayloadType.DEVICES_INFO:
        case D2mPayloadType.DROP_DEVICE_ACK:
        case D2mPayloadType.BEGIN_TRANSACTION_ACK:
        case D2mPayloadType.COMMIT_TRANSACTION_ACK:
        case D2mPayloadType.TRANSACTION_REJECTED:
        case D2mPayloadType.TRANSACTION_ENDED:
        case D2mPayloadType.REFLECT_ACK:
        case D2mPayloadType.REFLECTED:
            throw unexpected(message.type);
        default:
            return message satisfies never;
    }
}
