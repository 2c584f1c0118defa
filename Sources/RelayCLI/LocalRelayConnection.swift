// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Glibc
import JSON
import SocketIO

/// Why a CLI command could not talk to the relay.
enum LocalConnectionError: Error, CustomStringConvertible {
    case cannotConnect(path: String, IOError)
    case closedByRelay
    /// The relay said goodbye (`relay.goodbye`) and closed: too many clients, shutting
    /// down, overflow.
    case goodbye(code: String, message: String)
    case timedOut(Duration)
    case invalidLine(String)

    var description: String {
        switch self {
        case .cannotConnect(let path, let error) where error.errno == ENOENT:
            "no relay socket at \(path) (is `sharkfin-relay serve` running? try --socket)"
        case .cannotConnect(let path, let error) where error.errno == ECONNREFUSED:
            "nobody is listening on \(path): the relay is not running"
        case .cannotConnect(let path, let error):
            "cannot connect to the relay at \(path): \(error)"
        case .closedByRelay:
            "the relay closed the connection"
        case .goodbye(let code, let message):
            "the relay closed the connection: \(message) (\(code))"
        case .timedOut(let limit):
            "no answer from the relay within \(limit)"
        case .invalidLine(let reason):
            "the relay sent a line that is not a JSON object: \(reason)"
        }
    }
}

/// A blocking connection to the relay's socket for the one-shot CLI commands (`call`,
/// `watch`, `status`). The daemon itself never uses this: it lives on the event loop.
final class LocalRelayConnection {
    private let descriptor: Int32
    private var buffer: [UInt8] = []

    init(path: String) throws {
        let address = try SocketAddress(unixPath: path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw LocalConnectionError.cannotConnect(
                path: path,
                IOError(call: "socket", errno: errno)
            )
        }
        let result = address.withSockaddr { pointer, length in connect(fd, pointer, length) }
        guard result == 0 else {
            let error = IOError(call: "connect", errno: errno)
            close(fd)
            throw LocalConnectionError.cannotConnect(path: path, error)
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Writes one JSON object as one line.
    func send(_ object: JSONObject) throws {
        var bytes = JSONValue.object(object).serialized()
        bytes.append(UInt8(ascii: "\n"))
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                // The relay may have said why before it closed (a refusal, a goodbye).
                _ = try receive(timeout: .milliseconds(500))
                throw LocalConnectionError.closedByRelay
            }
            offset += written
        }
    }

    /// Reads the next line as a JSON object; nil when `timeout` passes first. A nil timeout
    /// waits forever.
    func receive(timeout: Duration?) throws -> JSONObject? {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
                do {
                    guard case .object(let object) = try JSONValue(parsing: line) else {
                        throw LocalConnectionError.invalidLine("not an object")
                    }
                    let isRefusal =
                        object["type"] == "error" && object["ref"] == nil
                        && object["d"]?["code"] == "relay.access_denied"
                    if object["type"] == "relay.goodbye" || isRefusal {
                        throw LocalConnectionError.goodbye(
                            code: object["d"]?["code"]?.stringValue ?? "relay.goodbye",
                            message: object["d"]?["message"]?.stringValue ?? "goodbye"
                        )
                    }
                    return object
                } catch let error as JSONParseError {
                    throw LocalConnectionError.invalidLine("\(error)")
                }
            }
            var waitMilliseconds: Int32 = -1
            if let deadline {
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero else { return nil }
                let (seconds, attoseconds) = remaining.components
                waitMilliseconds = Int32(
                    clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1
                )
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, waitMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw LocalConnectionError.closedByRelay
            }
            if ready == 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes {
                recv(descriptor, $0.baseAddress, $0.count, 0)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw LocalConnectionError.closedByRelay
            }
            if count == 0 { throw LocalConnectionError.closedByRelay }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    /// Sends `request` and returns the line whose `ref` matches, skipping events and the
    /// greeting.
    func request(_ request: JSONObject, timeout: Duration) throws -> JSONObject {
        try send(request)
        let deadline = ContinuousClock.now + timeout
        let ref = request["ref"]
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero, let line = try receive(timeout: remaining) else {
                throw LocalConnectionError.timedOut(timeout)
            }
            if line["ref"] == ref { return line }
        }
    }
}
