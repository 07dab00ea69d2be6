import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { NODE_FLAGS } from '../../src/node-flags.js';

const ROOT = new URL('../../../', import.meta.url);

describe('Node flags of the mediator', function () {
    it('are the same in the executable’s first line, npm start and the container image', function () {
        const shebang = readFileSync(new URL('src/main.ts', ROOT), 'utf8').split('\n')[0];
        expect(shebang).to.equal(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
        const built = readFileSync(new URL('dist/src/main.js', ROOT), 'utf8').split('\n')[0];
        expect(built).to.equal(shebang);
        const start = (
            JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { scripts: { start: string } }
        ).scripts.start;
        expect(start).to.include(`node ${NODE_FLAGS.join(' ')} dist/src/main.js serve`);
        const entrypoint = /^ENTRYPOINT (.*)$/mu.exec(readFileSync(new URL('Dockerfile', ROOT), 'utf8'))?.[1];
        expect(JSON.parse(entrypoint ?? 'null')).to.deep.equal(['node', ...NODE_FLAGS, 'dist/src/main.js']);
    });

    it('are flags this Node.js accepts', function () {
        const out = execFileSync(process.execPath, [...NODE_FLAGS, '-e', 'process.stdout.write("ok")'], {
            encoding: 'utf8',
        });
        expect(out).to.equal('ok');
    });

    it('let the executable start through its first line', function () {
        // As the kernel runs it: the interpreter, the rest of the line as one argument, then the file.
        const script = new URL('dist/src/main.js', ROOT).pathname;
        const [interpreter, argument] = readFileSync(script, 'utf8').split('\n')[0]!.slice(2).split(/ (.*)/su);
        const out = execFileSync(interpreter!, [argument!, script, '--version'], { encoding: 'utf8' });
        expect(out.trim()).to.match(/^\d+\.\d+\.\d+$/u);
    });
});
