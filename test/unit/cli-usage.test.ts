import { expect } from 'chai';
import { editDistance, helpHint, nearest, usageHints } from '../../src/cli-usage.js';

const SERVE = { command: 'serve', words: ['config', 'host', 'port', 'admin-host', 'admin-port', 'idle-timeout-s'] };

describe('command-line usage hints', function () {
    it('counts an adjacent transposition as one edit', function () {
        expect(editDistance('prot', 'port')).to.equal(1);
        expect(editDistance('port', 'port')).to.equal(0);
        expect(editDistance('', 'abc')).to.equal(3);
        expect(editDistance('kitten', 'sitting')).to.equal(3);
    });

    it('finds the nearest flag for a typo, a prefix, and nothing for an unrelated word', function () {
        expect(nearest('prot', SERVE.words)).to.equal('port');
        expect(nearest('idle-timout-s', SERVE.words)).to.equal('idle-timeout-s');
        expect(nearest('admin', SERVE.words)).to.equal('admin-host');
        expect(nearest('Port', SERVE.words)).to.equal('port');
        expect(nearest('banana', SERVE.words)).to.equal(undefined);
    });

    it('suggests --port for --prot and names help commands that work from a checkout', function () {
        expect(usageHints('Unknown argument: prot', SERVE)).to.deep.equal([
            'Unknown option --prot: did you mean --port?',
            'List the options with `npm start -- --help` (in a checkout; it builds first) or `npx mediator serve --help`.',
        ]);
    });

    it('skips the camelCase duplicate yargs adds and unknown words without a near match', function () {
        const hints = usageHints('Unknown arguments: idle-timout-s, idleTimoutS, banana', SERVE);
        expect(hints).to.deep.equal([
            'Unknown option --idle-timout-s: did you mean --idle-timeout-s?',
            helpHint('serve'),
        ]);
    });

    it('suggests a command when none was recognised', function () {
        const hints = usageHints('Unknown argument: serv', { command: undefined, words: ['serve', 'migrate'] });
        expect(hints[0]).to.equal('Unknown command "serv": did you mean "serve"?');
        expect(hints[1]).to.include('`npx mediator --help`');
    });

    it('never names a bare `mediator` command, which is not on the PATH in a checkout', function () {
        for (const command of ['serve', 'migrate', 'admin', undefined]) {
            expect(helpHint(command)).not.to.match(/`mediator /u);
        }
    });
});
