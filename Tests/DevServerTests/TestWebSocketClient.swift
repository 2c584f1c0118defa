// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import SocketIO
import Synchronization

/// A small WebSocket client for driving the dev server from tests, until the WebSocket
/// target's client lands on main: handshake, masked text and close frames, and a queue of
/// what arrives that a test awaits with a timeout.
///
/// Unchecked Sendable: the connection is touched only on its loop (writes hop there via
/// `execute`); the event queue is behind a `Mutex`.
final class TestWebSocketClient: StreamConnectionDelegate, @unchecked Sendable {
    enum Event: Equatable, CustomStringConvertible {
        case text(String)
        case ping
        /// A close frame with its code.
        case close(UInt16?)
        /// The TCP connection ended.
        case ended

        var description: String {
            switch self {
            case .text(let text): "text \(text)"
            case .ping: "ping"
            case .close(let code): "close \(code.map(String.init) ?? "-")"
            case .ended: "TCP end"
            }
        }
    }

    struct WaitTimedOut: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }

    struct HandshakeRefused: Error, CustomStringConvertible {
        var status: Int
        var body: String
        var description: String { "handshake refused with \(status): \(body)" }
    }

    private struct Queue {
        var events: [Event] = []
        var waiter: (id: Int, continuation: CheckedContinuation<Event?, Never>)?
        var nextWaiterID = 0
    }

    private let connection: StreamConnection
    private let answersPings: Bool
    private let queue = Mutex(Queue())
    private var buffer: [UInt8] = []
    private var handshake: CheckedContinuation<Void, any Error>?
    private var upgraded = false

    private init(connection: StreamConnection, answersPings: Bool) {
        self.connection = connection
        self.answersPings = answersPings
    }

    /// Connects to `ws://127.0.0.1:port/path` with `ApiKey-v1 <apiKey>` when given.
    ///
    /// - Throws: `HandshakeRefused` with the status and body when the server says no.
    static func connect(
        port: UInt16,
        path: String = "/ws",
        apiKey: String?,
        answersPings: Bool = true,
        on loop: EventLoop
    ) async throws -> TestWebSocketClient {
        let connection = try await TCPConnector.connect(
            host: "127.0.0.1",
            port: port,
            timeout: .seconds(5),
            on: loop
        )
        let client = TestWebSocketClient(connection: connection, answersPings: answersPings)
        var request =
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        if let apiKey { request += "Authorization: ApiKey-v1 \(apiKey)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<Void, any Error>) in
            loop.execute {
                client.handshake = continuation
                connection.start(delegate: client)
                connection.write(bytes)
            }
            // Bounded: a server that never answers fails the handshake instead of hanging.
            loop.schedule(after: .seconds(5)) {
                guard let pending = client.handshake else { return }
                client.handshake = nil
                pending.resume(throwing: WaitTimedOut(what: "the handshake answer"))
                connection.close()
            }
        }
        return client
    }

    /// Sends a masked text frame.
    func send(_ text: String) {
        let frame = Self.maskedFrame(opcode: 0x1, payload: Array(text.utf8))
        let connection = self.connection
        connection.loop.execute { connection.write(frame) }
    }

    /// Sends a close frame with `code`.
    func sendClose(code: UInt16 = 1000) {
        let frame = Self.maskedFrame(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)])
        let connection = self.connection
        connection.loop.execute { connection.write(frame) }
    }

    /// Ends the TCP connection without a close frame.
    func abort() {
        let connection = self.connection
        connection.loop.execute { connection.close() }
    }

    /// The next event, or `TestTimeout` after `timeout`.
    func next(timeout: Duration = .seconds(5)) async throws -> Event {
        guard let event = await nextOrNil(timeout: timeout) else {
            throw WaitTimedOut(what: "a WebSocket event")
        }
        return event
    }

    /// The next text frame, skipping pings.
    func nextText(timeout: Duration = .seconds(5)) async throws -> String {
        while true {
            switch try await next(timeout: timeout) {
            case .text(let text): return text
            case .ping: continue
            case let other: throw WaitTimedOut(what: "a text frame (got \(other))")
            }
        }
    }

    /// The next event, or `nil` if none comes within `timeout`.
    func nextOrNil(timeout: Duration) async -> Event? {
        await withCheckedContinuation { continuation in
            let id = queue.withLock { queue -> Int? in
                if !queue.events.isEmpty {
                    continuation.resume(returning: queue.events.removeFirst())
                    return nil
                }
                queue.nextWaiterID += 1
                queue.waiter = (queue.nextWaiterID, continuation)
                return queue.nextWaiterID
            }
            guard let id else { return }
            let nanoseconds =
                timeout.components.seconds * 1_000_000_000
                + timeout.components.attoseconds / 1_000_000_000
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) {
                let expired = self.queue.withLock { queue -> CheckedContinuation<Event?, Never>? in
                    guard let waiter = queue.waiter, waiter.id == id else { return nil }
                    queue.waiter = nil
                    return waiter.continuation
                }
                expired?.resume(returning: nil)
            }
        }
    }

    private func deliver(_ event: Event) {
        let waiter = queue.withLock { queue -> CheckedContinuation<Event?, Never>? in
            if let waiter = queue.waiter {
                queue.waiter = nil
                return waiter.continuation
            }
            queue.events.append(event)
            return nil
        }
        waiter?.resume(returning: event)
    }

    // MARK: StreamConnectionDelegate

    func connection(_ connection: StreamConnection, didRead bytes: ArraySlice<UInt8>) {
        buffer += bytes
        if !upgraded { readHandshake() }
        guard upgraded else { return }
        while let (opcode, payload) = nextFrame() {
            switch opcode {
            case 0x1: deliver(.text(String(decoding: payload, as: UTF8.self)))
            case 0x8:
                deliver(
                    .close(payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil)
                )
            case 0x9:
                deliver(.ping)
                if answersPings {
                    connection.write(Self.maskedFrame(opcode: 0xA, payload: payload))
                }
            default: break
            }
        }
    }

    func connection(_ connection: StreamConnection, didCloseWith error: (any Error)?) {
        if let handshake {
            self.handshake = nil
            handshake.resume(throwing: HandshakeRefused(status: 0, body: "connection closed"))
        }
        deliver(.ended)
    }

    private func readHandshake() {
        guard let end = buffer.firstRange(of: [0x0D, 0x0A, 0x0D, 0x0A]) else { return }
        let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        if status == 101 {
            buffer.removeFirst(end.upperBound)
            upgraded = true
            handshake?.resume()
            handshake = nil
            return
        }
        let length =
            head.split(separator: "\r\n").compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else {
                    return nil
                }
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }.first ?? 0
        guard buffer.count >= end.upperBound + length else { return }
        let body = String(
            decoding: buffer[end.upperBound..<(end.upperBound + length)],
            as: UTF8.self
        )
        handshake?.resume(throwing: HandshakeRefused(status: status, body: body))
        handshake = nil
        connection.close()
    }

    private func nextFrame() -> (UInt8, [UInt8])? {
        guard buffer.count >= 2 else { return nil }
        var length = Int(buffer[1] & 0x7F)
        var offset = 2
        if length == 126 {
            guard buffer.count >= 4 else { return nil }
            length = Int(buffer[2]) << 8 | Int(buffer[3])
            offset = 4
        } else if length == 127 {
            guard buffer.count >= 10 else { return nil }
            length = buffer[2..<10].reduce(0) { $0 << 8 | Int($1) }
            offset = 10
        }
        guard buffer.count >= offset + length else { return nil }
        let frame = (buffer[0] & 0x0F, Array(buffer[offset..<(offset + length)]))
        buffer.removeFirst(offset + length)
        return frame
    }

    static func maskedFrame(opcode: UInt8, payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            frame += (0..<8).map { UInt8(truncatingIfNeeded: payload.count >> (56 - 8 * $0)) }
        }
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        return frame
    }
}
