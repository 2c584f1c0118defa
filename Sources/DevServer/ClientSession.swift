// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO
import WebSocket

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
/// dropped with no close frame. Outbound text frames beyond the configured limit of frames
/// queued but unwritten are dropped silently, as the server's full send channel drops them
/// (`OutboundFrameLedger` counts them).
final class ClientSession: WebSocketDelegate {
    enum Kind: Equatable {
        case chat(notificationsOnly: Bool)
        case presence
    }

    let kind: Kind
    let username: String
    let webSocket: WebSocketConnection
    /// The stream under `webSocket`, read for its byte counters only.
    private let stream: StreamConnection
    private unowned let server: ChatServer
    private var outbound = OutboundFrameLedger()
    private var pingTask: ScheduledTask?
    private var deadlineTask: ScheduledTask?
    private var deadline: ContinuousClock.Instant
    /// Replies held back while replies are stalled (a fault); sent in order on release.
    private var heldReplies: [[UInt8]] = []
    private(set) var droppedFrames = 0
    private(set) var isClosed = false

    init(
        kind: Kind,
        username: String,
        webSocket: WebSocketConnection,
        stream: StreamConnection,
        server: ChatServer
    ) {
        self.kind = kind
        self.username = username
        self.webSocket = webSocket
        self.stream = stream
        self.server = server
        self.deadline = .now + server.configuration.presenceTimeout
    }

    var isChat: Bool { if case .chat = kind { true } else { false } }

    var notificationsOnly: Bool { kind == .chat(notificationsOnly: true) }

    /// Starts the keepalive and delivery; call once the session is registered.
    func start() {
        schedulePing()
        scheduleDeadlineCheck(after: server.configuration.presenceTimeout)
        webSocket.start(delegate: self)
    }

    /// Text frames handed to the WebSocket whose bytes the kernel has not all taken yet.
    var unwrittenFrameCount: Int {
        outbound.unwrittenFrameCount(written: stream.totalBytesWritten)
    }

    /// Queues a frame unless the outbound limit is reached.
    func send(_ frame: [UInt8]) {
        guard !isClosed else { return }
        guard unwrittenFrameCount < server.configuration.outboundFrameLimit else {
            droppedFrames += 1
            server.logger.trace(
                "outbound frame dropped",
                metadata: [
                    "devserver.user": username, "devserver.dropped": "\(droppedFrames)",
                ]
            )
            return
        }
        outbound.recordFrame(
            encodedSize: OutboundFrameLedger.encodedSize(ofText: frame),
            streamEnd: stream.totalBytesWritten + UInt64(stream.pendingWriteBytes)
        )
        webSocket.sendText(frame)
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
        webSocket.abort()
    }

    // MARK: WebSocketDelegate

    func webSocket(_ webSocket: WebSocketConnection, didReceiveText utf8: [UInt8]) {
        guard !isClosed else { return }
        // `/presence` readers ignore whatever a client sends, as the server does.
        guard isChat else { return }
        server.handleRequest(utf8, from: self)
    }

    /// Binary messages mean nothing to Sharkfin; gorilla hands them to the handler, which
    /// fails to decode them, so they are answered like a bad text frame.
    func webSocket(_ webSocket: WebSocketConnection, didReceiveBinary data: [UInt8]) {
        self.webSocket(webSocket, didReceiveText: data)
    }

    func webSocket(_ webSocket: WebSocketConnection, didReceivePong payload: [UInt8]) {
        deadline = .now + server.configuration.presenceTimeout
    }

    /// The closing handshake finished (the WebSocket echoed the client's close code), the
    /// connection failed, or TCP ended.
    func webSocket(_ webSocket: WebSocketConnection, didCloseWith closure: WebSocketClosure) {
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
            session.webSocket.sendPing()
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
