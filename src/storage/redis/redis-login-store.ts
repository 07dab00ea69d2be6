/**
 * LoginStore on Redis: the login's steps (see login-store.ts) in one Lua
 * script, lua/login-register.lua, so one command and one round trip instead
 * of one per step. Every key it touches is under the group's hash tag. The
 * logins of one event-loop turn share one call (login-register-multi; see
 * gathered-script.ts), except on a cluster.
 */
import { CloseCode } from '../../../d2m/index.js';
import type { LoginRegistered, LoginRegistration, LoginStore } from '../login-store.js';
import { deviceIdText } from './bus-codec.js';
import { lockFrom, presenceFrom } from './redis-group-coordinator.js';
import type { RedisKeys } from './keys.js';
import { GatheredScript } from './gathered-script.js';
import { integerArg, replyInteger, replyText, type RedisCommander } from './redis-client.js';
import type { LuaScripts } from './scripts.js';

export interface RedisLoginStoreOptions {
    /** A command connection that returns bulk strings as Buffers (see `bufferCommander`). */
    readonly client: RedisCommander;
    readonly scripts: LuaScripts;
    readonly keys: RedisKeys;
    /** Whether the logins of one event-loop turn share one script call (default true; false on a cluster). */
    readonly gatherCalls?: boolean;
}

export class RedisLoginStore implements LoginStore {
    readonly #keys: RedisKeys;
    readonly #register: GatheredScript;

    public constructor(options: RedisLoginStoreOptions) {
        this.#keys = options.keys;
        this.#register = new GatheredScript({
            client: options.client,
            scripts: options.scripts,
            single: 'login-register',
            multi: 'login-register-multi',
            gather: options.gatherCalls ?? true,
        });
    }

    public async registerLogin(request: LoginRegistration): Promise<LoginRegistered> {
        const { groupId, presence } = request;
        const queue = this.#keys.queue(groupId);
        const coordinator = this.#keys.coordinator(groupId);
        const deviceId = deviceIdText(presence.deviceId);
        const { values } = await this.#register.run(
            [
                queue.slots,
                queue.queue,
                queue.counters,
                queue.payloads,
                queue.held,
                coordinator.presence,
                coordinator.leader,
                coordinator.lock,
            ],
            [
                this.#keys.channel(groupId),
                deviceId,
                presence.connectionId,
                presence.nodeId,
                String(presence.connectedSince),
                String(CloseCode.DUPLICATE_CONNECTION),
                String(presence.expiresAt),
                request.newSlot ? '1' : '0',
                integerArg(request.now, 'now'),
            ],
        );
        const replaced = replyText(values[0], 'replaced presence');
        const lockDevice = replyText(values[1], 'lock device');
        const oldest = replyInteger(values[8], 'oldest timestamp');
        return {
            replaced: replaced === '' ? undefined : presenceFrom(presence.deviceId, replaced),
            lock: lockDevice === '' ? undefined : lockFrom(values.slice(1, 6)),
            staleHeldTokens: values.slice(9).map((value) => replyText(value, 'stale token')),
            stats: {
                count: replyInteger(values[6], 'count'),
                bytes: replyInteger(values[7], 'bytes'),
                oldestTimestamp: oldest < 0 ? undefined : oldest,
            },
        };
    }
}
