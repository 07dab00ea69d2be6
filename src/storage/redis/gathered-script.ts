/**
 * The calls of one script that callers start during one event-loop turn,
 * sent at its end as one call of the script's sectioned form (a script
 * declaring `--@sections`, which runs the plain script's body once per
 * section and answers each section's reply): the fixed cost of a command,
 * on the connection and in Redis, is paid once for all of them. A reconnect
 * storm brings many logins in each turn; a lone call goes out as the plain
 * script. Each caller gets the outcome its call would have had alone: a
 * section whose status is a failure rejects that caller only, a failed
 * call all of its callers.
 *
 * Only where the keys of different calls may share a command: not on a
 * cluster (their hash slots differ). With `gather: false` every call goes
 * out at once as the plain script.
 */
import { StorageError } from '../../errors.js';
import type { RedisArgument } from 'redis';
import { replyArray, type RedisCommander } from './redis-client.js';
import type { LuaScripts, ScriptName, ScriptReply } from './scripts.js';

/** Sections per call at most (a storm's turn may hold hundreds of logins). */
export const MAX_GATHERED_SECTIONS = 64;

export interface GatheredScriptOptions {
    readonly client: RedisCommander;
    readonly scripts: LuaScripts;
    /** The plain script, for a lone call and for `gather: false`. */
    readonly single: ScriptName;
    /** Its sectioned form: sections of the plain script's keys and arguments; replies `{0, replies}`. */
    readonly multi: ScriptName;
    /** Whether calls of one turn share a command (default true; false on a cluster). */
    readonly gather?: boolean;
}

interface Waiting {
    readonly keys: readonly string[];
    readonly args: readonly RedisArgument[];
    readonly resolve: (reply: ScriptReply) => void;
    readonly reject: (error: unknown) => void;
}

export class GatheredScript {
    readonly #client: RedisCommander;
    readonly #scripts: LuaScripts;
    readonly #single: ScriptName;
    readonly #multi: ScriptName;
    readonly #gather: boolean;
    /** Calls of this turn, sent at its end (`#send`). */
    #waiting: Waiting[] = [];

    public constructor(options: GatheredScriptOptions) {
        this.#client = options.client;
        this.#scripts = options.scripts;
        this.#single = options.single;
        this.#multi = options.multi;
        this.#gather = options.gather ?? true;
    }

    /** Runs the plain script's call (keys and arguments as for it); resolves as `LuaScripts.run` would. */
    public run(keys: readonly string[], args: readonly RedisArgument[]): Promise<ScriptReply> {
        if (!this.#gather) return this.#scripts.run(this.#client, this.#single, keys, args);
        return new Promise((resolve, reject) => {
            if (this.#waiting.length === 0) setImmediate(this.#send);
            this.#waiting.push({ keys, args, resolve, reject });
        });
    }

    readonly #send = (): void => {
        const waiting = this.#waiting;
        this.#waiting = [];
        for (let start = 0; start < waiting.length; start += MAX_GATHERED_SECTIONS) {
            const part = waiting.slice(start, start + MAX_GATHERED_SECTIONS);
            if (part.length === 1) {
                const one = part[0]!;
                this.#scripts.run(this.#client, this.#single, one.keys, one.args).then(one.resolve, one.reject);
            } else {
                void this.#sendMany(part);
            }
        }
    };

    async #sendMany(part: readonly Waiting[]): Promise<void> {
        let replies: readonly unknown[];
        try {
            const reply = await this.#scripts.run(
                this.#client,
                this.#multi,
                part.flatMap((call) => call.keys),
                part.flatMap((call) => call.args),
            );
            replies = replyArray(reply.values[0], `${this.#multi} replies`);
            if (replies.length !== part.length) {
                throw new StorageError(`${this.#multi} answered ${replies.length} of ${part.length} sections`, {
                    retryable: false,
                });
            }
        } catch (error) {
            for (const call of part) call.reject(error);
            return;
        }
        for (let index = 0; index < part.length; index++) {
            const call = part[index]!;
            try {
                call.resolve(this.#scripts.reply(this.#single, replies[index]));
            } catch (error) {
                call.reject(error);
            }
        }
    }
}
