/**
 * ProxyRelay with a fake chat-server opener: bytes before authentication
 * are buffered (bounded) and relayed in order once the device is known, the
 * relay opens on the first frame and marks the device, and after a failure
 * or the close nothing more is relayed.
 */
import { expect } from 'chai';
import { D2mProtocolError } from '../../../d2m/index.js';
import { ChatServerProxyError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log/logger.js';
import {
    ProxyRelay,
    type ChatServerOpener,
    type RelayConnection,
    type RelayedDevice,
} from '../../../src/mediator/proxy-relay.js';
import type { RelayRequest } from '../../../src/upstream/chat-server-proxy.js';

class FakeUpstream implements RelayConnection {
    public readonly written: number[] = [];
    public drains = 0;
    public destroyed = false;

    public write(data: Uint8Array): void {
        this.written.push(data[0] ?? -1);
    }

    public onDeviceDrain(): void {
        this.drains++;
    }

    public destroy(): void {
        this.destroyed = true;
    }
}

class FakeOpener implements ChatServerOpener {
    public readonly opened: RelayRequest[] = [];
    public readonly upstream = new FakeUpstream();

    public open(request: RelayRequest): RelayConnection {
        this.opened.push(request);
        return this.upstream;
    }
}

class FakeDevice implements RelayedDevice {
    public readonly serverGroup = 'ab';
    public readonly logger = silentLogger;
    public readonly failures: ChatServerProxyError[] = [];
    public marked = 0;

    public sendProxy(): void {}

    public bufferedAmount(): number {
        return 0;
    }

    public fail(error: ChatServerProxyError): void {
        this.failures.push(error);
    }

    public markProxyActive(): void {
        this.marked++;
    }
}

describe('ProxyRelay', function () {
    it('buffers before authentication and relays in order after, opening the relay once', function () {
        const opener = new FakeOpener();
        const relay = new ProxyRelay(opener, 100);
        relay.onProxy(Uint8Array.of(1));
        relay.onProxy(Uint8Array.of(2));
        expect(relay.bufferedBytes).to.equal(2);
        expect(opener.opened).to.have.length(0);
        const device = new FakeDevice();
        relay.activate(device);
        relay.onProxy(Uint8Array.of(3));
        expect(opener.upstream.written).to.deep.equal([1, 2, 3]);
        expect(opener.opened.map((request) => request.serverGroup)).to.deep.equal(['ab']);
        expect(device.marked).to.equal(1);
        expect(relay.bufferedBytes).to.equal(0);
        relay.onDeviceDrain();
        expect(opener.upstream.drains).to.equal(1);
    });

    it('refuses more bytes before authentication than its bound (protocol error)', function () {
        const relay = new ProxyRelay(new FakeOpener(), 3);
        relay.onProxy(Uint8Array.of(1, 2));
        expect(() => relay.onProxy(Uint8Array.of(3, 4))).to.throw(D2mProtocolError);
    });

    it('fails with 4001 without a chat server, then drops later frames', function () {
        const relay = new ProxyRelay(undefined, 100);
        relay.onProxy(Uint8Array.of(1));
        expect(() => relay.activate(new FakeDevice())).to.throw(ChatServerProxyError);
        expect(() => relay.onProxy(Uint8Array.of(2))).to.not.throw();
    });

    it('drops frames after the relay ended by itself, and after close', function () {
        const opener = new FakeOpener();
        const relay = new ProxyRelay(opener, 100);
        const device = new FakeDevice();
        relay.activate(device);
        relay.onProxy(Uint8Array.of(1));
        opener.opened[0]?.onEnd(new ChatServerProxyError('chat-server-closed', 'closed'));
        relay.onProxy(Uint8Array.of(2));
        expect(device.failures.map((error) => error.failure)).to.deep.equal(['chat-server-closed']);
        expect(opener.upstream.written).to.deep.equal([1]);
        relay.close();
        expect(opener.upstream.destroyed).to.equal(true);
    });

    it('discards what it buffered when the connection closes before authentication', function () {
        const opener = new FakeOpener();
        const relay = new ProxyRelay(opener, 100);
        relay.onProxy(Uint8Array.of(1));
        relay.close();
        relay.activate(new FakeDevice());
        expect(opener.opened).to.have.length(0);
        expect(relay.bufferedBytes).to.equal(0);
    });
});
