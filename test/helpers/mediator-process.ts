/**
 * Runs `mediator serve` as a separate process (the real entry point), for
 * multi-node and crash tests: port 0, the chosen port read from its first
 * line of output, and kill/stop controls (scripts/lib/mediator-process.ts).
 */
import {
    MediatorStartError,
    spawnMediator as spawnNode,
    type MediatorProcess,
} from '../../scripts/lib/mediator-process.js';

export { MediatorStartError, type MediatorProcess };

export function spawnMediator(
    options: {
        readonly redisUrl?: string;
        readonly databaseUrl?: string;
        readonly nodeId?: string;
        readonly args?: readonly string[];
        readonly env?: NodeJS.ProcessEnv;
    } = {},
): Promise<MediatorProcess> {
    const args = ['--host', '127.0.0.1', '--port', '0', '--log-level', 'info', ...(options.args ?? [])];
    if (options.redisUrl !== undefined) args.push('--redis-url', options.redisUrl);
    if (options.databaseUrl !== undefined) args.push('--database-url', options.databaseUrl);
    if (options.nodeId !== undefined) args.push('--node-id', options.nodeId);
    return spawnNode({ args, env: options.env, readyTimeoutMs: 15_000 });
}
