// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import SocketIO
import Synchronization

/// A TCP proxy between the relay and a dev server, for breaking the upstream connection
/// in the ways networks do: ``cut()`` ends every connection at once (both sides closed,
/// as after a reset), ``stall(_:)`` stops forwarding while keeping the sockets open (a
/// blackholed route: no data, no RST, no FIN), ``refuse(_:)`` closes new connections at
/// once. ``retarget(port:)`` points new connections at another server.
///
/// Everything runs on the proxy's own loop.
final class TCPProxy: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `pairs`, `stalled`, `refusing`, `targetPort` and
    // `listener` are touched only on `loop`'s thread; `accepted` is a Mutex.

    let loop: EventLoop
    private(set) var port: UInt16 = 0
    private var listener: Listener?
    private var targetPort: UInt16
    private var pairs: [UInt64: ProxyPair] = [:]
    private var stalled = false
    private var refusing = false
    private let acceptCount = Mutex(0)

    /// Connections accepted so far, refused ones included.
    var acceptedCount: Int { acceptCount.withLock { $0 } }

    private init(loop: EventLoop, targetPort: UInt16) {
        self.loop = loop
        self.targetPort = targetPort
    }

    /// Listens on `127.0.0.1:0` and forwards each connection to `127.0.0.1:targetPort`.
    static func start(targetPort: UInt16) async throws -> TCPProxy {
        let loop = try EventLoop(name: "proxy")
        let proxy = TCPProxy(loop: loop, targetPort: targetPort)
        try await loop.submit {
            let listener = try Listener.tcp(host: "127.0.0.1", port: 0, on: loop)
            try listener.start { [proxy] connection in proxy.accept(connection) }
            proxy.listener = listener
            proxy.port = listener.port ?? 0
        }
        return proxy
    }

    /// Closes both sides of every open connection.
    func cut() async {
        await loop.submit {
            for pair in self.pairs.values { pair.closeBoth() }
            self.pairs.removeAll()
        }
    }

    /// While on, nothing is forwarded in either direction on any connection (open or
    /// new); the sockets stay open and bytes pile up in kernel buffers.
    func stall(_ on: Bool) async {
        await loop.submit {
            self.stalled = on
            for pair in self.pairs.values { pair.setStalled(on) }
        }
    }

    /// While on, new connections are closed as soon as they are accepted.
    func refuse(_ on: Bool) async {
        await loop.submit { self.refusing = on }
    }

    /// New connections go to `port` from now on.
    func retarget(port: UInt16) async {
        await loop.submit { self.targetPort = port }
    }

    func shutdown() async {
        await cut()
        await loop.submit { self.listener?.close() }
        loop.shutdown()
    }

    private func accept(_ downstream: StreamConnection) {
        acceptCount.withLock { $0 += 1 }
        if refusing {
            downstream.close()
            return
        }
        let pair = ProxyPair(downstream: downstream, proxy: self)
        pairs[downstream.id] = pair
        pair.setStalled(stalled)
        let port = targetPort
        let loop = self.loop
        Task {
            do {
                let upstream = try await TCPConnector.connect(
                    host: "127.0.0.1",
                    port: port,
                    timeout: .seconds(5),
                    on: loop
                )
                loop.execute { pair.attach(upstream) }
            } catch {
                loop.execute { pair.closeBoth() }
            }
        }
    }

    fileprivate func pairDidClose(_ pair: ProxyPair) {
        pairs[pair.id] = nil
    }
}

/// One proxied connection: the accepted side and the side towards the server.
private final class ProxyPair: @unchecked Sendable {
    // Invariant for @unchecked Sendable: used only on the proxy loop's thread.

    let id: UInt64
    let downstream: StreamConnection
    var upstream: StreamConnection?
    weak var proxy: TCPProxy?
    private var stalled = false
    private var closed = false

    init(downstream: StreamConnection, proxy: TCPProxy) {
        self.id = downstream.id
        self.downstream = downstream
        self.proxy = proxy
        // Nothing is read until the server side is connected.
        downstream.start(delegate: ProxyLeg(pair: self, isDownstream: true))
        downstream.pauseReading()
    }

    func attach(_ upstream: StreamConnection) {
        guard !closed else { return upstream.close() }
        self.upstream = upstream
        upstream.start(delegate: ProxyLeg(pair: self, isDownstream: false))
        setStalled(stalled)
    }

    func setStalled(_ on: Bool) {
        stalled = on
        guard let upstream, !closed else { return }
        if on {
            downstream.pauseReading()
            upstream.pauseReading()
        } else {
            downstream.resumeReading()
            upstream.resumeReading()
        }
    }

    func forward(_ bytes: ArraySlice<UInt8>, fromDownstream: Bool) {
        guard !closed else { return }
        (fromDownstream ? upstream : downstream)?.write(bytes)
    }

    /// One side ended: the other is closed once what it was sent is flushed.
    func sideClosed() {
        guard !closed else { return }
        closed = true
        downstream.closeAfterFlushing(timeout: .seconds(1))
        upstream?.closeAfterFlushing(timeout: .seconds(1))
        proxy?.pairDidClose(self)
    }

    func closeBoth() {
        guard !closed else { return }
        closed = true
        downstream.close()
        upstream?.close()
    }
}

/// Forwards one side's bytes to the other side of its pair.
private final class ProxyLeg: StreamConnectionDelegate {
    let pair: ProxyPair
    let isDownstream: Bool

    init(pair: ProxyPair, isDownstream: Bool) {
        self.pair = pair
        self.isDownstream = isDownstream
    }

    func connection(_ connection: StreamConnection, didRead bytes: ArraySlice<UInt8>) {
        pair.forward(bytes, fromDownstream: isDownstream)
    }

    func connection(_ connection: StreamConnection, didCloseWith error: (any Error)?) {
        pair.sideClosed()
    }
}
