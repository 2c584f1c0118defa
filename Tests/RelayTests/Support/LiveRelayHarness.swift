// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import DevServer
import JSON
import Logging
import Relay
import SharkfinClient
import SocketIO
import Synchronization
import TestSupport

/// A relay on a real Unix socket whose upstream (`/ws` and `/presence`) is a real
/// in-process DevServer behind a ``TCPProxy``, so tests can cut, blackhole and refuse the
/// connection and restart the server.
///
/// Users: `alice` (the relay's identity, provisioned first: admin) and `bob`. A public
/// channel `stream` exists with both as members.
final class LiveRelayHarness: Sendable {
    static let users = [
        DevUser(name: "alice", apiKey: "alice-key"), DevUser(name: "bob", apiKey: "bob-key"),
    ]

    let directory: TemporaryDirectory
    let socketPath: String
    let relayLoop: EventLoop
    let clientLoop: EventLoop
    let proxy: TCPProxy
    let relay: RelayServer
    let logs = MemoryLogHandler()
    /// `/ws` connection attempts the relay made.
    let attempts = Counter()
    private let serverBox: Mutex<DevServer>
    let serverPort: UInt16

    var server: DevServer { serverBox.withLock { $0 } }

    /// - Parameters:
    ///   - limits: the relay's limits (tests pass short delays and keepalives).
    ///   - relayKey: the relay's API key; a wrong one exercises HTTP 401.
    ///   - stateFile: the dev server's state file, for a second instance on the same data.
    ///   - waitsForConnection: whether to return only once the relay is connected.
    init(
        limits: RelayLimits,
        relayKey: String = "alice-key",
        stateFile: String? = nil,
        waitsForConnection: Bool = true
    ) async throws {
        directory = TemporaryDirectory(prefix: "live")
        socketPath = directory.file("r.sock")
        let server = DevServer(
            configuration: DevServer.Configuration(
                users: Self.users,
                stateFile: stateFile,
                provisionsUsersAtStart: true
            ),
            logger: .disabled
        )
        serverPort = try await server.start()
        serverBox = Mutex(server)
        try await Self.seed(port: serverPort)
        proxy = try await TCPProxy.start(targetPort: serverPort)
        relayLoop = try EventLoop(name: "relay")
        clientLoop = try EventLoop(name: "clients")
        let endpoint = try SharkfinEndpoint(
            url: "ws://127.0.0.1:\(proxy.port)/ws",
            apiKey: relayKey
        )
        let base = SharkfinUpstream.connector(endpoint: endpoint, limits: limits)
        let counter = attempts
        let counted: RelayUpstreamConnector = { loop, logger throws(RelayUpstreamConnectError) in
            counter.increment()
            return try await base(loop, logger)
        }
        relay = RelayServer(
            configuration: RelayConfiguration(
                socketPath: socketPath,
                upstreamURL: "ws://127.0.0.1:\(proxy.port)/ws",
                identity: "alice",
                limits: limits,
                relayVersion: "0.0.0-test"
            ),
            loop: relayLoop,
            logger: Logger(label: "relay", level: .debug, handler: logs),
            upstreamFactory: counted,
            presenceFactory: SharkfinUpstream.connector(
                endpoint: endpoint,
                path: "/presence",
                limits: limits
            )
        )
        let path = socketPath
        let loop = relayLoop
        let relay = self.relay
        try await relayLoop.submit {
            try relay.start(listener: try Listener.unix(path: path, on: loop))
        }
        if waitsForConnection {
            // Connected, and the baseline of `stream` taken (so later messages count as new).
            try await waitUntil("upstream connected and baselined") {
                let status = await relay.statusSnapshot
                return status.upstreamState == "connected" && status.counters.historyPages >= 1
            }
        }
    }

    /// Creates `stream` (alice) and has bob join it.
    private static func seed(port: UInt16) async throws {
        let alice = try client("alice", port: port)
        try await alice.connect()
        _ = try await alice.channelCreate(name: "stream", isPublic: true)
        await alice.close()
        let bob = try client("bob", port: port)
        try await bob.connect()
        try await bob.channelJoin("stream")
        await bob.close()
    }

    /// A client talking to the dev server directly (not through the proxy).
    static func client(_ user: String, port: UInt16) throws -> SharkfinClient {
        SharkfinClient(
            endpoint: try SharkfinEndpoint(
                url: "ws://127.0.0.1:\(port)/ws",
                apiKey: "\(user)-key"
            ),
            options: SharkfinClient.Options(
                requestTimeout: .seconds(5),
                backoff: Backoff.constant(.milliseconds(20))
            )
        )
    }

    /// A connected SharkfinClient for `user`, straight to the dev server.
    func directClient(_ user: String) async throws -> SharkfinClient {
        let client = try Self.client(user, port: serverPort)
        try await client.connect()
        return client
    }

    /// A local client of the relay whose greeting has been read.
    func localClient() async throws -> TestClient {
        let client = try await TestClient.connect(path: socketPath, loop: clientLoop)
        _ = try await client.next(ofType: "relay.hello")
        return client
    }

    /// Stops the dev server and starts a new instance on the same port and state file.
    func replaceServer(stateFile: String) async throws {
        await server.stop()
        let next = DevServer(
            configuration: DevServer.Configuration(
                users: Self.users,
                port: serverPort,
                stateFile: stateFile
            ),
            logger: .disabled
        )
        _ = try await next.start()
        serverBox.withLock { $0 = next }
    }

    func shutdown() async {
        await relay.stop(deadline: .milliseconds(200))
        await proxy.shutdown()
        await server.stop()
        relayLoop.shutdown()
        clientLoop.shutdown()
        directory.remove()
    }
}

/// A count shared across threads.
final class Counter: Sendable {
    private let count = Mutex(0)

    func increment() { count.withLock { $0 += 1 } }

    var value: Int { count.withLock { $0 } }
}

extension TestClient {
    /// The `message.new` events of `channel` read so far: `(id, replayed)` in arrival order.
    func messages(in channel: String) -> [(id: Int64, replayed: Bool)] {
        lines.values.compactMap { line in
            guard let object = try? JSONObject(parsing: Array(line.utf8)),
                object.string(forKey: "type") == "message.new",
                object["d"]?["channel"]?.stringValue == channel,
                let id = object["d"]?["id"]?.int64Value
            else { return nil }
            return (id, object["replayed"]?.boolValue == true)
        }
    }

    /// Waits until this client has read `count` messages of `channel`.
    func waitForMessages(
        _ count: Int,
        in channel: String,
        timeout: Duration = .seconds(20)
    ) async throws -> [(id: Int64, replayed: Bool)] {
        try await waitUntil("\(count) messages in \(channel)", timeout: timeout) {
            self.messages(in: channel).count >= count
        }
        return messages(in: channel)
    }
}

/// Every message id of `channel`, oldest first, read with `history` pages (retried while
/// the client reconnects after a server restart).
func allMessageIDs(_ client: SharkfinClient, channel: String) async throws -> [Int64] {
    let deadline = ContinuousClock.now + .seconds(10)
    var ids: [Int64] = []
    while true {
        let page: [Message]
        do {
            page = try await client.history(channel: channel, after: ids.last ?? 0, limit: 100)
        } catch {
            guard ContinuousClock.now < deadline else { throw error }
            try await Task.sleep(for: .milliseconds(20))
            continue
        }
        ids += page.map(\.id)
        if page.count < 100 { return ids }
    }
}
