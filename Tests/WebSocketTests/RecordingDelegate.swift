// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import SocketIO
import TestSupport
import WebSocket

/// What a `RecordingDelegate` saw, in order.
enum RecordedEvent: Hashable, Sendable {
    case text(String)
    case binary([UInt8])
    case ping([UInt8])
    case pong([UInt8])
    case closed(WebSocketClosure)
}

/// Records every delegate call so tests can await them; optionally echoes messages back.
final class RecordingDelegate: WebSocketDelegate, Sendable {
    let events = Recorder<RecordedEvent>()
    let echoes: Bool

    init(echoes: Bool = false) { self.echoes = echoes }

    func webSocket(_ webSocket: WebSocketConnection, didReceiveText utf8: [UInt8]) {
        events.record(.text(String(decoding: utf8, as: UTF8.self)))
        if echoes { webSocket.sendText(utf8) }
    }

    func webSocket(_ webSocket: WebSocketConnection, didReceiveBinary data: [UInt8]) {
        events.record(.binary(data))
        if echoes { webSocket.sendBinary(data) }
    }

    func webSocket(_ webSocket: WebSocketConnection, didReceivePing payload: [UInt8]) {
        events.record(.ping(payload))
    }

    func webSocket(_ webSocket: WebSocketConnection, didReceivePong payload: [UInt8]) {
        events.record(.pong(payload))
    }

    func webSocket(_ webSocket: WebSocketConnection, didCloseWith closure: WebSocketClosure) {
        events.record(.closed(closure))
    }

    /// Waits for the closure and returns it.
    func closure(timeout: Duration = .seconds(10)) async throws -> WebSocketClosure {
        try await waitUntil("the closure", timeout: timeout) {
            self.events.values.contains { if case .closed = $0 { true } else { false } }
        }
        let closures = events.values.compactMap { event -> WebSocketClosure? in
            if case .closed(let closure) = event { return closure }
            return nil
        }
        return closures[0]
    }
}

extension WebSocketConnection {
    /// Starts delivery to `delegate` from a test task.
    func start(on delegate: RecordingDelegate) async {
        await loop.submit { self.start(delegate: delegate) }
    }
}
