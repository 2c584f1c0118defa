// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Logging
import SocketIO
import Synchronization
import TestSupport
import WebSocket

/// The project's own `WebSocketConnection` in the client role, driving the dev server from
/// tests: what arrives is queued as `Event`s that a test awaits with a timeout.
///
/// Pings are answered by the connection itself (RFC 6455 requires it); a client that must
/// stay silent is `MuteWebSocketClient`.
final class TestWebSocketClient: WebSocketDelegate, Sendable {
    enum Event: Equatable, CustomStringConvertible {
        case text(String)
        case ping
        /// The closing handshake completed; the close code both sides used.
        case close(UInt16?)
        /// The connection ended without a closing handshake (the TCP connection just
        /// dropped, as the server does when it drops a client or stops).
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

    /// The opening handshake failed: `status` and `body` of the server's refusal, or
    /// status 0 when the connection failed without one (described in `body`).
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

    private let queue = Mutex(Queue())
    /// Set once by `connect` before anything else can read it.
    private let connection = Mutex<WebSocketConnection?>(nil)

    private init() {}

    /// Connects to `ws://127.0.0.1:port/path` with `ApiKey-v1 <apiKey>` when given.
    ///
    /// - Throws: `HandshakeRefused` with the status and body when the server says no.
    static func connect(
        port: UInt16,
        path: String = "/ws",
        apiKey: String?,
        on loop: EventLoop
    ) async throws -> TestWebSocketClient {
        let url = try WebSocketURL("ws://127.0.0.1:\(port)\(path)")
        var configuration = WebSocketConfiguration(
            connectTimeout: .seconds(5),
            handshakeTimeout: .seconds(5),
            closeTimeout: .seconds(2)
        )
        if let apiKey {
            configuration.headers = [
                HTTPHeaderField(name: "Authorization", value: "ApiKey-v1 \(apiKey)")
            ]
        }
        let webSocket: WebSocketConnection
        do {
            webSocket = try await WebSocketConnection.connect(
                to: url,
                configuration: configuration,
                on: loop,
                logger: .disabled
            )
        } catch {
            if case .handshakeRejected(let status, _, let body) = error {
                throw HandshakeRefused(status: status, body: body)
            }
            throw HandshakeRefused(status: 0, body: "\(error)")
        }
        let client = TestWebSocketClient()
        client.connection.withLock { $0 = webSocket }
        await loop.submit { webSocket.start(delegate: client) }
        return client
    }

    private var webSocket: WebSocketConnection {
        connection.withLock { $0 }!
    }

    /// Sends a text message.
    func send(_ text: String) {
        webSocket.sendText(text)
    }

    /// Starts the closing handshake with `code`.
    func sendClose(code: UInt16 = 1000) {
        webSocket.close(code: WebSocketCloseCode(rawValue: code))
    }

    /// Ends the TCP connection without a close frame.
    func abort() {
        webSocket.abort()
    }

    /// The next event, or `WaitTimedOut` after `timeout`.
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
            Task {
                try? await Task.sleep(for: timeout)
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

    // MARK: WebSocketDelegate

    func webSocket(_ webSocket: WebSocketConnection, didReceiveText utf8: [UInt8]) {
        deliver(.text(String(decoding: utf8, as: UTF8.self)))
    }

    func webSocket(_ webSocket: WebSocketConnection, didReceiveBinary data: [UInt8]) {
        deliver(.text(String(decoding: data, as: UTF8.self)))
    }

    func webSocket(_ webSocket: WebSocketConnection, didReceivePing payload: [UInt8]) {
        deliver(.ping)
    }

    func webSocket(_ webSocket: WebSocketConnection, didCloseWith closure: WebSocketClosure) {
        deliver(closure.wasClean ? .close(closure.code?.rawValue) : .ended)
    }
}
