// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Glibc
import Synchronization
import TestSupport
import Testing

@testable import SocketIO

/// Echoes what it reads and records what happened.
private final class EchoDelegate: StreamConnectionDelegate, @unchecked Sendable {
    let closed = Recorder<String>()
    func connection(_ connection: StreamConnection, didRead bytes: ArraySlice<UInt8>) {
        connection.write(bytes)
    }
    func connection(_ connection: StreamConnection, didCloseWith error: (any Error)?) {
        closed.record(error.map { "\($0)" } ?? "clean")
    }
}

/// Collects everything it reads.
private final class CollectingDelegate: StreamConnectionDelegate, @unchecked Sendable {
    let received = Recorder<[UInt8]>()
    let closed = Recorder<String>()
    let endOfStream = Recorder<Bool>()
    var closeOnEndOfStream = true
    func connection(_ connection: StreamConnection, didRead bytes: ArraySlice<UInt8>) {
        received.record(Array(bytes))
    }
    func connectionDidReadEndOfStream(_ connection: StreamConnection) {
        endOfStream.record(true)
        if closeOnEndOfStream { connection.close() }
    }
    func connection(_ connection: StreamConnection, didCloseWith error: (any Error)?) {
        closed.record(error.map { "\($0)" } ?? "clean")
    }
    var bytes: [UInt8] { received.values.flatMap { $0 } }
}

@Suite struct StreamConnectionTests {
    @Test func tcpEchoRoundTripsALargePayload() async throws {
        let loop = try EventLoop(name: "test")
        defer { loop.shutdown() }
        let echo = EchoDelegate()
        let listener = try Listener.tcp(on: loop)
        try await loop.submit { try listener.start { $0.start(delegate: echo) } }
        let port = try #require(listener.port)

        let client = try await TCPConnector.connect(
            host: "127.0.0.1",
            port: port,
            timeout: .seconds(5),
            on: loop
        )
        let collector = CollectingDelegate()
        let payload = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        await loop.submit {
            client.start(delegate: collector)
            client.write(payload)
        }
        try await waitUntil("echo of 3 MB") { collector.bytes.count >= payload.count }
        #expect(collector.bytes == payload)
        await loop.submit { client.close() }
        #expect(try await collector.closed.waitForCount(1) == ["clean"])
        _ = try await echo.closed.waitForCount(1)
        await loop.submit { listener.close() }
    }

    @Test func unixSocketCarriesPeerCredentialsAndMode() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("s.sock")
        let loop = try EventLoop(name: "test")
        defer { loop.shutdown() }
        let accepted = Recorder<PeerCredentials?>()
        let echo = EchoDelegate()
        let listener = try Listener.unix(path: path, mode: 0o600, on: loop)
        try await loop.submit {
            try listener.start { connection in
                accepted.record(connection.peerCredentials)
                connection.start(delegate: echo)
            }
        }
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)

        let client = try await UnixConnector.connect(path: path, on: loop)
        let collector = CollectingDelegate()
        await loop.submit {
            client.start(delegate: collector)
            client.write(Array("hello\n".utf8))
        }
        try await waitUntil("echo") { collector.bytes.count == 6 }
        let credentials = try #require(try await accepted.waitForCount(1).first ?? nil)
        #expect(credentials.pid == getpid())
        #expect(credentials.uid == getuid())
        await loop.submit {
            client.close()
            listener.close()
        }
    }

    @Test func connectingToAClosedPortFailsWithConnectionRefused() async throws {
        let loop = try EventLoop(name: "test")
        defer { loop.shutdown() }
        let listener = try Listener.tcp(on: loop)
        let port = try #require(listener.port)
        await loop.submit { listener.close() }
        await #expect(throws: SocketIOError.self) {
            _ = try await TCPConnector.connect(
                host: "127.0.0.1",
                port: port,
                timeout: .seconds(2),
                on: loop
            )
        }
    }

    @Test func unresolvableHostIsAResolutionError() async throws {
        let loop = try EventLoop(name: "test")
        defer { loop.shutdown() }
        do {
            _ = try await TCPConnector.connect(
                host: "no-such-host.invalid",
                port: 1,
                timeout: .seconds(5),
                on: loop
            )
            Issue.record("connect succeeded")
        } catch let error as SocketIOError {
            guard case .resolutionFailed = error else {
                Issue.record("unexpected \(error)")
                return
            }
        }
    }

    @Test func aPeerThatStopsReadingBuildsUpPendingBytesWithoutBlockingTheLoop() async throws {
        let loop = try EventLoop(name: "test")
        defer { loop.shutdown() }
        let stalled = Recorder<StreamConnection>()
        let listener = try Listener.tcp(on: loop)
        let idle = CollectingDelegate()
        try await loop.submit {
            try listener.start { connection in
                connection.start(delegate: idle)
                connection.pauseReading()
                stalled.record(connection)
            }
        }
        let client = try await TCPConnector.connect(
            host: "127.0.0.1",
            port: listener.port!,
            timeout: .seconds(5),
            on: loop
        )
        let writer = CollectingDelegate()
        let chunk = [UInt8](repeating: 0x61, count: 1 << 20)
        await loop.submit {
            client.start(delegate: writer)
            for _ in 0..<32 { client.write(chunk) }
        }
        _ = try await stalled.waitForCount(1)
        let pending = await loop.submit { client.pendingWriteBytes }
        #expect(pending > 0)
        #expect(pending < 32 << 20)
        // The loop still runs other work promptly.
        #expect(await loop.submit { 7 } == 7)
        await loop.submit {
            client.close()
            listener.close()
        }
        let server = try await stalled.waitForCount(1)[0]
        await loop.submit { server.close() }
    }

    @Test func halfCloseLetsTheServerAnswerAfterTheClientsEndOfStream() async throws {
        let loop = try EventLoop(name: "test")
        defer { loop.shutdown() }
        let serverSide = CollectingDelegate()
        serverSide.closeOnEndOfStream = false
        let accepted = Recorder<StreamConnection>()
        let listener = try Listener.tcp(on: loop)
        try await loop.submit {
            try listener.start { connection in
                accepted.record(connection)
                connection.start(delegate: serverSide)
            }
        }
        let client = try await TCPConnector.connect(
            host: "127.0.0.1",
            port: listener.port!,
            timeout: .seconds(5),
            on: loop
        )
        let clientSide = CollectingDelegate()
        await loop.submit {
            client.start(delegate: clientSide)
            client.write(Array("question".utf8))
            client.shutdownOutputAfterFlushing()
        }
        _ = try await serverSide.endOfStream.waitForCount(1)
        let server = try await accepted.waitForCount(1)[0]
        await loop.submit {
            server.write(Array("answer".utf8))
            server.closeAfterFlushing(timeout: .seconds(1))
        }
        try await waitUntil("answer") { clientSide.bytes == Array("answer".utf8) }
        #expect(try await clientSide.closed.waitForCount(1) == ["clean"])
        await loop.submit { listener.close() }
    }
}
