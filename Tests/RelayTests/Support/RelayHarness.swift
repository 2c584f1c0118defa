// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import Relay
import SocketIO
import TestSupport

/// A relay on a real Unix socket in a short temporary directory, with a fake upstream
/// and a separate loop for test clients. Call `shutdown()` in a `defer`-like `do/catch`.
final class RelayHarness: Sendable {
    let directory: TemporaryDirectory
    let socketPath: String
    let relayLoop: EventLoop
    let clientLoop: EventLoop
    let upstream: FakeUpstreamConnector
    let relay: RelayServer
    let logs = MemoryLogHandler()

    /// - Parameter recoversMessages: off by default, so the scripted session sees only
    ///   the clients' requests (no `channel_list`/`history` of the relay's own).
    init(
        limits: RelayLimits = RelayLimits(),
        autoReply: Bool = false,
        recoversMessages: Bool = false
    ) async throws {
        directory = TemporaryDirectory(prefix: "relay")
        socketPath = directory.file("r.sock")
        relayLoop = try EventLoop(name: "relay")
        clientLoop = try EventLoop(name: "clients")
        upstream = FakeUpstreamConnector(loop: relayLoop, autoReply: autoReply)
        let configuration = RelayConfiguration(
            socketPath: socketPath,
            upstreamURL: "ws://user:secret@127.0.0.1:16000/ws?token=x",
            identity: "alice",
            limits: limits,
            relayVersion: "0.0.0-test",
            recoversMissedMessages: recoversMessages
        )
        relay = RelayServer(
            configuration: configuration,
            loop: relayLoop,
            logger: Logger(label: "relay", level: .trace, handler: logs),
            upstreamFactory: upstream.connector
        )
        let path = socketPath
        let loop = relayLoop
        let relay = self.relay
        try await relayLoop.submit {
            let listener = try Listener.unix(path: path, on: loop)
            try relay.start(listener: listener)
        }
        try await waitUntil("upstream connected") {
            await relay.statusSnapshot.upstreamState == "connected"
        }
    }

    /// A connected client whose greeting has been read.
    func client(reading: Bool = true) async throws -> TestClient {
        let client = try await TestClient.connect(
            path: socketPath,
            loop: clientLoop,
            reading: reading
        )
        if reading { _ = try await client.next(ofType: "relay.hello") }
        return client
    }

    func shutdown() async {
        await relay.stop(deadline: .milliseconds(100))
        relayLoop.shutdown()
        clientLoop.shutdown()
        directory.remove()
    }
}
