// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO

/// Carries a loop-bound object into a `@Sendable` closure that runs on the same loop.
///
/// Unchecked because the value is only unwrapped by tasks scheduled on the loop that owns
/// it, so it is never touched from two threads.
struct LoopBound<Value: AnyObject>: @unchecked Sendable {
    let value: Value
}

/// One upgraded WebSocket: a `/ws` chat session or a `/presence` session. Loop-bound.
///
/// Owns the keepalive the real server runs: a ping every half of the presence timeout,
/// and a read deadline that only pongs push forward; when it passes, the connection is
/// dropped with no close frame. Outbound frames beyond the configured limit are dropped
/// silently, as the server's full send channel drops them.
final class ClientSession: ServerWebSocketDelegate {
    enum Kind: Equatable {
        case chat(notificationsOnly: Bool)
        case presence
    }

    let kind: Kind
    let username: String
    let socket: any ServerWebSocket
    private unowned let server: ChatServer
    private var pingTask: ScheduledTask?
    private var deadlineTask: ScheduledTask?
    private var deadline: ContinuousClock.Instant
    /// Replies held back while replies are stalled (a fault); sent in order on release.
    private var heldReplies: [[UInt8]] = []
    private(set) var droppedFrames = 0
    private(set) var isClosed = false

    init(kind: Kind, username: String, socket: any ServerWebSocket, server: ChatServer) {
        self.kind = kind
        self.username = username
        self.socket = socket
        self.server = server
        self.deadline = .now + server.configuration.presenceTimeout
    }

    var isChat: Bool { if case .chat = kind { true } else { false } }

    var notificationsOnly: Bool { kind == .chat(notificationsOnly: true) }

    /// Starts the keepalive; call once the session is registered.
    func start() {
        socket.delegate = self
        schedulePing()
        scheduleDeadlineCheck(after: server.configuration.presenceTimeout)
    }

    /// Queues a frame unless the outbound limit is reached.
    func send(_ frame: [UInt8]) {
        guard !isClosed else { return }
        guard socket.unwrittenFrameCount < server.configuration.outboundFrameLimit else {
            droppedFrames += 1
            server.logger.trace(
                "outbound frame dropped",
                metadata: [
                    "devserver.user": username, "devserver.dropped": "\(droppedFrames)",
                ]
            )
            return
        }
        socket.sendText(frame)
    }

    /// Sends a reply, or holds it while replies are stalled.
    func sendReply(_ frame: [UInt8]) {
        if server.stallsReplies {
            heldReplies.append(frame)
        } else {
            send(frame)
        }
    }

    /// Sends the replies held during a stall.
    func releaseHeldReplies() {
        let held = heldReplies
        heldReplies = []
        held.forEach(send)
    }

    /// Drops the connection without a close frame.
    func abort() {
        socket.abort()
    }

    // MARK: ServerWebSocketDelegate

    func webSocket(_ socket: any ServerWebSocket, didReceiveText utf8: [UInt8]) {
        guard !isClosed else { return }
        // `/presence` readers ignore whatever a client sends, as the server does.
        guard isChat else { return }
        server.handleRequest(utf8, from: self)
    }

    func webSocketDidReceivePong(_ socket: any ServerWebSocket) {
        deadline = .now + server.configuration.presenceTimeout
    }

    func webSocketDidClose(_ socket: any ServerWebSocket) {
        guard !isClosed else { return }
        isClosed = true
        pingTask?.cancel()
        deadlineTask?.cancel()
        server.sessionDidClose(self)
    }

    // MARK: Keepalive

    private func schedulePing() {
        let box = LoopBound(value: self)
        pingTask = server.loop.schedule(after: server.configuration.presenceTimeout / 2) {
            let session = box.value
            guard !session.isClosed else { return }
            session.socket.sendPing()
            session.schedulePing()
        }
    }

    private func scheduleDeadlineCheck(after delay: Duration) {
        let box = LoopBound(value: self)
        deadlineTask = server.loop.schedule(after: delay) {
            let session = box.value
            guard !session.isClosed else { return }
            let now = ContinuousClock.now
            if now >= session.deadline {
                session.server.logger.debug(
                    "no pong within the presence timeout; dropping",
                    metadata: [
                        "devserver.user": session.username
                    ]
                )
                session.abort()
            } else {
                session.scheduleDeadlineCheck(after: session.deadline - now)
            }
        }
    }
}

/// Loop-bound: used only on its event loop's thread.
@available(*, unavailable)
extension ClientSession: Sendable {}
