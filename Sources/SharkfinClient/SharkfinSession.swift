// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Logging
import SocketIO
import WebSocket

/// Receives what a `SharkfinSession` cannot answer by itself. Called on the session's loop.
public protocol SharkfinSessionDelegate: AnyObject {
    /// A frame with no ref: `message.new`, `presence`, `capabilities`, unknown types, and the
    /// server's ref-less `invalid JSON` error. `utf8` is the frame exactly as the server
    /// sent it, for forwarding without re-serializing.
    func session(_ session: SharkfinSession, didReceivePush envelope: Envelope, utf8: [UInt8])

    /// Exactly once; the session is dead afterwards. Pending requests have already failed.
    func session(_ session: SharkfinSession, didCloseWith reason: SharkfinSessionCloseReason)
}

/// How a session ended.
public enum SharkfinSessionCloseReason: Sendable, CustomStringConvertible {
    /// Our side called `close()`.
    case closedByClient
    /// The server sent a close frame first (the server normally just drops the TCP
    /// connection instead, which is `connectionLost`).
    case closedByServer(code: WebSocketCloseCode?, reason: String)
    /// The connection ended without a closing handshake or failed: server stopped, network
    /// error, protocol violation, unanswered ping. `error` is nil for a bare TCP end.
    case connectionLost(WebSocketError?)

    public var description: String {
        switch self {
        case .closedByClient: "closed by client"
        case .closedByServer(let code, let reason):
            "closed by server (code \(code.map { "\($0)" } ?? "none")"
                + (reason.isEmpty ? ")" : ", reason \"\(reason)\")")
        case .connectionLost(let error):
            // WebSocketError.connectionLost already reads "connection lost: …".
            error.map { error -> String in
                if case .connectionLost = error { return "\(error)" }
                return "connection lost: \(error)"
            } ?? "connection lost"
        }
    }
}

/// What a session needs from its connection: `WebSocketConnection` in production, a fake in
/// the session's unit tests. Called on the session's loop only.
protocol SessionTransport: AnyObject {
    /// Queues one text frame.
    func sendText(_ utf8: [UInt8])
    /// Starts the closing handshake with 1000; the transport reports the end later.
    func close()
}

/// One WebSocket connection to a Sharkfin server, loop-bound and callback-based, with no
/// reconnect: the raw layer the relay runs on and `SharkfinClient` builds upon.
///
/// The session numbers requests itself (`r1`, `r2`, ...), matches replies by ref, times each
/// request out on its loop, and hands everything without a ref to its delegate. Every
/// request's completion runs exactly once on the loop: a reply, a timeout, a cancellation
/// or a failure when the connection ends, whichever comes first (see `PendingRequests`).
///
/// Frames arriving before `start(delegate:)` (pushes the server sends right after the
/// upgrade) are kept and delivered by `start`.
///
/// Thread safety: `@unchecked Sendable` because all mutable state is touched only on
/// `loop`'s thread; the methods marked "loop only" must be called there (from elsewhere,
/// through `loop.execute`).
public final class SharkfinSession: @unchecked Sendable {
    /// The loop all callbacks run on.
    public let loop: EventLoop
    let logger: Logger
    private var transport: (any SessionTransport)?
    private var pending = PendingRequests<Pending>()
    private var state = State.open(started: false, buffered: [])
    private var delegate: (any SharkfinSessionDelegate)?

    private struct Pending {
        var completion: (Result<Envelope, SharkfinError>) -> Void
        var timer: ScheduledTask
        var timeout: Duration
    }

    private enum State {
        /// Frames flow; pushes before `start` are buffered.
        case open(started: Bool, buffered: [(Envelope, [UInt8])])
        /// `close()` was called; waiting for the transport to report the end.
        case closing
        /// Dead; the reason waits here if the delegate was not there yet to hear it.
        case closed(undelivered: SharkfinSessionCloseReason?)
    }

    init(loop: EventLoop, logger: Logger) {
        self.loop = loop
        self.logger = logger
    }

    /// Attaches the connection; done once, on the loop, before any frame flows.
    func attach(_ transport: any SessionTransport) {
        self.transport = transport
    }

    /// Starts delivering pushes and the close to `delegate`, beginning with those that
    /// arrived before. The session keeps `delegate` until it has reported the close.
    ///
    /// Loop only.
    public func start(delegate: any SharkfinSessionDelegate) {
        loop.preconditionInEventLoop()
        switch state {
        case .open(started: false, let buffered):
            self.delegate = delegate
            state = .open(started: true, buffered: [])
            for (envelope, utf8) in buffered {
                // A buffered push may make the delegate close us; stop delivering if so.
                guard case .open = state else { break }
                delegate.session(self, didReceivePush: envelope, utf8: utf8)
            }
        case .open(started: true, _):
            logger.debug("sharkfin session started twice; keeping the first delegate")
        case .closing:
            self.delegate = delegate
        case .closed(let undelivered):
            if let undelivered {
                state = .closed(undelivered: nil)
                delegate.session(self, didCloseWith: undelivered)
            }
        }
    }

    /// Number of requests awaiting an answer. Loop only.
    public var inFlightCount: Int {
        loop.preconditionInEventLoop()
        return pending.count
    }

    /// Whether the session can still send. Loop only.
    public var isOpen: Bool {
        loop.preconditionInEventLoop()
        if case .open = state { return true }
        return false
    }

    /// Sends `envelope` under the session's own ref (`r<N>`, replacing any ref it carried,
    /// in place) and calls `completion` exactly once on the loop.
    ///
    /// The completion receives the reply, pong or error envelope as the server sent it
    /// (with the session's ref still in it) — error envelopes are *successes* here; the
    /// typed layer turns them into `SharkfinError.server`. It fails with `.timedOut` after
    /// `timeout`, `.cancelled` after `cancel(_:)`, `.connectionLost(outcomeUnknown: true)`
    /// when the connection ends first, `.closed` when `close()` ends it, and
    /// `.notConnected` when the session was already closed (then on a later loop turn,
    /// never from inside `send`).
    ///
    /// Loop only.
    @discardableResult
    public func send(
        _ envelope: JSONObject,
        timeout: Duration,
        completion: @escaping (Result<Envelope, SharkfinError>) -> Void
    ) -> RequestID {
        loop.preconditionInEventLoop()
        let id = pending.allocateID()
        guard case .open = state, let transport else {
            let deferred = LoopBound(completion)
            loop.execute { deferred.value(.failure(.notConnected)) }
            return id
        }
        var object = envelope
        object.updateValue(.string(id.ref), forKey: "ref")
        let timer = loop.schedule(after: timeout) { [weak self] in
            self?.requestTimerFired(id)
        }
        pending.insert(Pending(completion: completion, timer: timer, timeout: timeout), for: id)
        let type = object["type"]?.stringValue ?? ""
        logger.trace("sharkfin request sent", metadata: ["ws.ref": id.ref, "ws.type": type])
        transport.sendText(JSONValue.object(object).serialized())
        return id
    }

    /// Ends request `id` now: its completion gets `.cancelled`. Nothing happens when it
    /// already ended. The server may still act on it; its reply will be dropped.
    ///
    /// Loop only.
    public func cancel(_ id: RequestID) {
        loop.preconditionInEventLoop()
        guard let entry = pending.remove(id) else { return }
        entry.timer.cancel()
        entry.completion(.failure(.cancelled))
    }

    /// Closes with 1000. Pending requests fail with `.closed` at once; the delegate hears
    /// `closedByClient` when the closing handshake is over.
    ///
    /// Loop only; idempotent.
    public func close() {
        loop.preconditionInEventLoop()
        guard case .open = state else { return }
        state = .closing
        failAll(with: .closed)
        transport?.close()
    }

    // MARK: Transport events

    /// One text frame arrived.
    func transportDidReceiveText(_ utf8: [UInt8]) {
        loop.preconditionInEventLoop()
        let envelope: Envelope
        do {
            envelope = try Envelope(parsing: utf8)
        } catch {
            logger.debug(
                "sharkfin frame is not an envelope; dropped",
                metadata: ["error": "\(error)", "ws.bytes": "\(utf8.count)"]
            )
            return
        }
        if let ref = envelope.ref {
            guard let entry = pending.replyReceived(ref: ref) else {
                logger.debug(
                    "sharkfin reply matches no waiting request; dropped",
                    metadata: ["ws.ref": ref, "ws.type": envelope.type]
                )
                return
            }
            entry.timer.cancel()
            entry.completion(.success(envelope))
            return
        }
        switch state {
        case .open(started: true, _):
            delegate?.session(self, didReceivePush: envelope, utf8: utf8)
        case .open(started: false, var buffered):
            buffered.append((envelope, utf8))
            state = .open(started: false, buffered: buffered)
        case .closing, .closed:
            break
        }
    }

    /// The connection ended, however it ended. Reported once by the transport.
    func transportDidClose(_ closure: WebSocketClosure) {
        loop.preconditionInEventLoop()
        let reason: SharkfinSessionCloseReason
        switch state {
        case .closing:
            reason = .closedByClient
        case .open:
            if closure.error == nil, closure.code != nil {
                reason = .closedByServer(code: closure.code, reason: closure.reason)
            } else {
                reason = .connectionLost(closure.error)
            }
        case .closed:
            return
        }
        // Dead before any completion runs, so a completion that sends again is refused.
        state = .closed(undelivered: reason)
        transport = nil
        failAll(with: .connectionLost(outcomeUnknown: true))
        logger.debug("sharkfin session closed", metadata: ["reason": "\(reason)"])
        if let delegate {
            self.delegate = nil
            state = .closed(undelivered: nil)
            delegate.session(self, didCloseWith: reason)
        }
    }

    // MARK: Internals

    private func requestTimerFired(_ id: RequestID) {
        guard let entry = pending.remove(id) else { return }
        logger.debug("sharkfin request timed out", metadata: ["ws.ref": id.ref])
        entry.completion(.failure(.timedOut(after: entry.timeout)))
    }

    private func failAll(with error: SharkfinError) {
        for entry in pending.removeAll() {
            entry.timer.cancel()
            entry.completion(.failure(error))
        }
    }
}

/// Carries a loop-bound value through a `@Sendable` closure that runs on the same loop.
///
/// `@unchecked Sendable`: the value is created on the loop and only used by a task queued
/// to that same loop, so it never crosses threads concurrently.
struct LoopBound<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) { self.value = value }
}
