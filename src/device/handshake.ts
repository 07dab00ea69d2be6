/**
 * The client side of the D2M handshake, as a state machine over decoded
 * non-Proxy messages (Proxy frames may arrive at any time and are not its
 * business):
 *
 *   await-server-hello --ServerHello--> (send ClientHello) await-server-info
 *   await-server-info  --ServerInfo-->  done
 *
 * Any other message in either state is a protocol error (reference §5.6):
 * the first non-Proxy frame must be ServerHello, and the first non-Proxy
 * frame after ClientHello must be ServerInfo.
 */
import {
    createChallengeResponse,
    D2mPayloadType,
    D2mProtocolError,
    ensurePublicKey,
    payloadTypeName,
    PROTOCOL_VERSION_MAX,
    type ClientHello,
    type D2mMessage,
    type ServerHello,
    type ServerInfo,
} from '../../d2m/index.js';
import { decryptSharedDeviceData, encryptDeviceInfo, type SharedDeviceData } from '../../d2d/index.js';
import type { ResolvedOptions } from './options.js';

/** ServerInfo as the client sees it. */
export interface DeviceServerInfo extends ServerInfo.Type {
    /** The decrypted shared device data; `undefined` when empty or not decryptable. */
    readonly sharedDeviceData: SharedDeviceData | undefined;
}

export type HandshakeStep =
    | { readonly type: 'send-client-hello'; readonly message: D2mMessage }
    | { readonly type: 'done'; readonly serverInfo: DeviceServerInfo };

type State = 'await-server-hello' | 'await-server-info' | 'done';

function unexpected(message: D2mMessage, expected: string): D2mProtocolError {
    return new D2mProtocolError(
        'unexpected-message',
        `expected ${expected} during the handshake, got ${payloadTypeName(message.type)}`,
    );
}

export class ClientHandshake {
    readonly #options: ResolvedOptions;
    #state: State = 'await-server-hello';

    public constructor(options: ResolvedOptions) {
        this.#options = options;
    }

    public get isDone(): boolean {
        return this.#state === 'done';
    }

    /** Advances on one non-Proxy message. Throws {@link D2mProtocolError} on a message out of order. */
    public handle(message: D2mMessage): HandshakeStep {
        switch (this.#state) {
            case 'await-server-hello':
                if (message.type !== D2mPayloadType.SERVER_HELLO) throw unexpected(message, 'ServerHello');
                this.#state = 'await-server-info';
                return {
                    type: 'send-client-hello',
                    message: { type: D2mPayloadType.CLIENT_HELLO, body: this.#clientHello(message.body) },
                };
            case 'await-server-info':
                if (message.type !== D2mPayloadType.SERVER_INFO) throw unexpected(message, 'ServerInfo');
                this.#state = 'done';
                return { type: 'done', serverInfo: this.#serverInfo(message.body) };
            case 'done':
                throw new D2mProtocolError('unexpected-message', 'the handshake is already complete');
        }
    }

    #clientHello(hello: ServerHello.Type): ClientHello.Type {
        const { crypto, keys } = this.#options;
        // The server names the highest version it speaks; this client speaks
        // only PROTOCOL_VERSION_MAX (0), which every server supports.
        const version = Math.min(PROTOCOL_VERSION_MAX, hello.version);
        return {
            version,
            response: createChallengeResponse(crypto, keys.dgpk.secretKey, ensurePublicKey(hello.esk), hello.challenge),
            deviceId: this.#options.deviceId,
            deviceSlotsExhaustedPolicy: this.#options.deviceSlotsExhaustedPolicy,
            deviceSlotExpirationPolicy: this.#options.deviceSlotExpirationPolicy,
            encryptedDeviceInfo: encryptDeviceInfo(crypto, keys, this.#options.deviceInfo),
            expectedDeviceSlotState: this.#options.expectedDeviceSlotState,
        };
    }

    #serverInfo(info: ServerInfo.Type): DeviceServerInfo {
        let sharedDeviceData: SharedDeviceData | undefined;
        if (info.encryptedSharedDeviceData.byteLength > 0) {
            try {
                const decrypted = decryptSharedDeviceData(
                    this.#options.crypto,
                    this.#options.keys,
                    info.encryptedSharedDeviceData,
                );
                sharedDeviceData = { version: decrypted.version };
            } catch {
                sharedDeviceData = undefined;
            }
        }
        return { ...info, sharedDeviceData };
    }
}
