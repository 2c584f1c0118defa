// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Glibc
import JSON
import SocketIO
import Synchronization
import TestSupport

/// A local-socket client on an event loop that records every line the relay sends, for
/// tests that need many clients at once or a client that stops reading.
final class LineClient: StreamConnectionDelegate, @unchecked Sendable {
    // Invariant: `pending` is touched only on the loop thread; `lines` is thread-safe.
    let connection: StreamConnection
    let lines = Recorder<JSONObject>()
    let closed = Recorder<Bool>()
    private var pending: [UInt8] = []

    private init(connection: StreamConnection) {
        self.connection = connection
    }

    static func connect(_ path: String, on loop: EventLoop, reading: Bool = true) async throws
        -> LineClient
    {
        let connection = try await UnixConnector.connect(path: path, on: loop)
        let client = LineClient(connection: connection)
        await loop.submit {
            connection.start(delegate: client)
            if !reading { connection.pauseReading() }
        }
        return client
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        let connection = connection
        connection.loop.execute { connection.write(bytes) }
    }

    func resumeReading() {
        let connection = connection
        connection.loop.execute { connection.resumeReading() }
    }

    func close() {
        let connection = connection
        connection.loop.execute { connection.close() }
    }

    /// Waits for the first line after index `from` that satisfies `matches`.
    func next(
        after from: Int = 0,
        timeout: Duration = .seconds(20),
        where matches: @escaping @Sendable (JSONObject) -> Bool
    ) async throws -> (index: Int, line: JSONObject) {
        var found: (Int, JSONObject)?
        try await waitUntil("a matching line", timeout: timeout) { [lines] in
            lines.values.dropFirst(from).contains(where: matches)
        }
        let values = lines.values
        for index in from..<values.count where matches(values[index]) {
            found = (index, values[index])
            break
        }
        return found!
    }

    /// The answer to the request with `ref`.
    func reply(to ref: String, timeout: Duration = .seconds(20)) async throws -> JSONObject {
        try await next(timeout: timeout) { $0["ref"] == .string(ref) && $0["seq"] == nil }.line
    }

    func connection(_ connection: StreamConnection, didRead bytes: ArraySlice<UInt8>) {
        pending.append(contentsOf: bytes)
        while let newline = pending.firstIndex(of: 0x0A) {
            let line = Array(pending[..<newline])
            pending.removeSubrange(...newline)
            if case .object(let object) = try? JSONValue(parsing: line) { lines.record(object) }
        }
    }

    func connectionDidReadEndOfStream(_ connection: StreamConnection) {
        connection.close()
    }

    func connection(_ connection: StreamConnection, didCloseWith error: (any Error)?) {
        closed.record(true)
    }
}

/// Raises this process's descriptor limit for tests that open many sockets.
func raiseTestDescriptorLimit(to wanted: Int) {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    let target = min(rlim_t(wanted), limit.rlim_max)
    if limit.rlim_cur < target {
        limit.rlim_cur = target
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
