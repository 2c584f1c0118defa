// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import SocketIO
import Synchronization
import TestSupport

/// A local client for tests: connects to the relay's socket, writes raw bytes, and
/// collects the lines it reads.
final class TestClient: StreamConnectionDelegate, @unchecked Sendable {
    // Invariant for @unchecked Sendable: `buffer` and `connection` callbacks run on the
    // client loop; `cursor` is guarded by its Mutex; Recorders are thread-safe.

    let connection: StreamConnection
    let lines = Recorder<String>()
    let closed = Recorder<Bool>()
    private var buffer: [UInt8] = []
    private let cursor = Mutex(0)

    private init(connection: StreamConnection) {
        self.connection = connection
    }

    /// Connects to `path` on `loop`; with `reading: false` the client never reads, so the
    /// relay's writes pile up until `resumeReading()`.
    static func connect(path: String, loop: EventLoop, reading: Bool = true) async throws
        -> TestClient
    {
        let connection = try await UnixConnector.connect(path: path, on: loop)
        let client = TestClient(connection: connection)
        await loop.submit {
            connection.start(delegate: client)
            if !reading { connection.pauseReading() }
        }
        return client
    }

    /// Writes `text` as is (add the `\n` yourself).
    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        connection.loop.execute { [connection] in connection.write(bytes) }
    }

    func resumeReading() {
        connection.loop.execute { [connection] in connection.resumeReading() }
    }

    func close() {
        connection.loop.execute { [connection] in connection.close() }
    }

    /// The next line not yet taken by `next()`, waiting for it if needed.
    func next(timeout: Duration = .seconds(10)) async throws -> String {
        let index = cursor.withLock { index in
            defer { index += 1 }
            return index
        }
        return try await lines.waitForCount(index + 1, timeout: timeout)[index]
    }

    /// The next line, parsed.
    func nextObject(timeout: Duration = .seconds(10)) async throws -> JSONObject {
        try JSONObject(parsing: Array(try await next(timeout: timeout).utf8))
    }

    /// Skips lines until one of `type` arrives, and returns it.
    func next(ofType type: String, timeout: Duration = .seconds(10)) async throws -> JSONObject {
        while true {
            let object = try await nextObject(timeout: timeout)
            if object.string(forKey: "type") == type { return object }
        }
    }

    /// Skips lines until a `relay.upstream` event with `d.state == state` arrives.
    func nextUpstream(state: String, timeout: Duration = .seconds(10)) async throws -> JSONObject {
        while true {
            let event = try await next(ofType: "relay.upstream", timeout: timeout)
            if event["d"]?["state"]?.stringValue == state { return event }
        }
    }

    func connection(_ connection: StreamConnection, didRead bytes: ArraySlice<UInt8>) {
        buffer.append(contentsOf: bytes)
        while let newline = buffer.firstIndex(of: 0x0A) {
            lines.record(String(decoding: buffer[..<newline], as: UTF8.self))
            buffer.removeSubrange(...newline)
        }
    }

    func connection(_ connection: StreamConnection, didCloseWith error: (any Error)?) {
        closed.record(true)
    }
}
