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
import { TurnBatches, type TurnBatchesOptions } from '../turn-batches.js';
import { replyArray, type RedisCommander } from './redis-client.js';
import type { LuaScripts, RunOptions, ScriptName, ScriptReply } from './scripts.js';

/** Sections per call at most, by default (a storm's turn may hold hundreds of logins). */
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
    /** Sections of one call at most (default MAX_GATHERED_SECTIONS). */
    readonly maxSections?: number;
    /** The `bytes` of the calls that share one call at most (a lone call may exceed it); default no bound. */
    readonly maxBytes?: number;
    /** When the gathered calls go out (default: at the end of the turn) and what runs first (see TurnBatches). */
    readonly timing?: TurnBatchesOptions;
}

export interface GatheredCallOptions {
    /** The call's size, counted against `maxBytes`. */
    readonly bytes?: number;
    /** As `RunOptions.evalOnNoScript`; a shared call falls back to EVAL only when each of its calls allows it. */
    readonly evalOnNoScript?: () => boolean;
}

interface Waiting {
    readonly keys: readonly string[];
    readonly args: readonly RedisArgument[];
    readonly options: GatheredCallOptions;
    readonly resolve: (reply: ScriptReply) => void;
    readonly reject: (error: unknown) => void;
}

export class GatheredScript {
    readonly #client: RedisCommander;
    readonly #scripts: LuaScripts;
    readonly #single: ScriptName;
    readonly #multi: ScriptName;
    readonly #gather: boolean;
    readonly #batches: TurnBatches<Waiting>;

    public constructor(options: GatheredScriptOptions) {
        this.#client = options.client;
        this.#scripts = options.scripts;
        this.#single = options.single;
        this.#multi = options.multi;
        this.#gather = options.gather ?? true;
        const maxSections = options.maxSections ?? MAX_GATHERED_SECTIONS;
        const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
        const bytesOf = (call: Waiting): number => call.options.bytes ?? 0;
        this.#batches = new TurnBatches<Waiting>(
            (run) => {
                if (run.length === 1) this.#sendOne(run[0]!);
                else void this.#sendMany(run);
            },
            (run, next) =>
                run.length < maxSections && run.reduce((sum, call) => sum + bytesOf(call), bytesOf(next)) <= maxBytes,
            options.timing,
        );
    }

    /** Runs the plain script's call (keys and arguments as for it); resolves as `LuaScripts.run` would. */
    public run(
        keys: readonly string[],
        args: readonly RedisArgument[],
        options: GatheredCallOptions = {},
    ): Promise<ScriptReply> {
        if (!this.#gather) return this.#runOne(keys, args, options);
        return new Promise((resolve, reject) => this.#batches.add({ keys, args, options, resolve, reject }));
    }

    #runOne(keys: readonly string[], args: readonly RedisArgument[], options: GatheredCallOptions) {
        const run: RunOptions = options.evalOnNoScript === undefined ? {} : { evalOnNoScript: options.evalOnNoScript };
        return this.#scripts.run(this.#client, this.#single, keys, args, run);
    }

    #sendOne(call: Waiting): void {
        this.#runOne(call.keys, call.args, call.options).then(call.resolve, call.reject);
    }

    async #sendMany(part: readonly Waiting[]): Promise<void> {
        let replies: readonly unknown[];
        try {
            const reply = await this.#scripts.run(
                this.#client,
                this.#multi,
                part.flatMap((call) => call.keys),
                part.flatMap((call) => call.args),
                { evalOnNoScript: () => part.every((call) => call.options.evalOnNoScript?.() ?? true) },
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
