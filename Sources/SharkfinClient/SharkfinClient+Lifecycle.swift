// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO

extension SharkfinClient {
    /// Everything mutable about a client, guarded by its `Mutex`.
    struct State {
        var phase = Phase.idle
        var loop: EventLoop?
        var ownsLoop = false
        var subscribers: [UInt64: AsyncStream<SharkfinEvent>.Continuation] = [:]
        var nextSubscriberID: UInt64 = 0
        /// `close()` calls waiting for the session's closing handshake.
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Where the connection stands.
    enum Phase {
        /// Never connected, or disconnected without reconnecting.
        case idle
        /// `connect()` is opening the first session.
        case connecting
        /// A session is up.
        case connected(SharkfinSession)
        /// The session was lost; `task` waits out the backoff and tries again (nil for the
        /// moment between reporting the loss and starting the task).
        case reconnecting(task: Task<Void, Never>?)
        /// `close()` was called: final.
        case closed

        var session: SharkfinSession? {
            if case .connected(let session) = self { return session }
            return nil
        }

        var isClosed: Bool {
            if case .closed = self { return true }
            return false
        }

        var reconnectTask: Task<Void, Never>? {
            if case .reconnecting(let task) = self { return task }
            return nil
        }
    }

    /// Starts a freshly adopted session with an observer that reports back here.
    func start(_ session: SharkfinSession) {
        let observer = SessionObserver(client: self)
        session.loop.execute { session.start(delegate: observer) }
    }

    /// A push arrived (on the loop).
    func sessionDidReceivePush(_ envelope: Envelope) {
        emit(SharkfinEvent(push: envelope))
    }

    /// A session ended (on the loop): decide between staying down, reconnecting and
    /// having been closed on purpose.
    func sessionDidClose(_ session: SharkfinSession, reason: SharkfinSessionCloseReason) {
        enum Action {
            case none
            case closedByOwner
            case reportDown
            case reportDownAndReconnect
        }
        let action = state.withLock { state -> Action in
            switch state.phase {
            case .connected(let current) where current === session:
                if options.reconnects {
                    state.phase = .reconnecting(task: nil)
                    return .reportDownAndReconnect
                }
                state.phase = .idle
                return .reportDown
            case .closed:
                return .closedByOwner
            case .connected, .idle, .connecting, .reconnecting:
                return .none
            }
        }
        switch action {
        case .none:
            break
        case .closedByOwner:
            resumeCloseWaiters()
        case .reportDown, .reportDownAndReconnect:
            logger.debug("sharkfin client disconnected", metadata: ["reason": "\(reason)"])
            emit(.disconnected(reason))
        }
        if case .reportDownAndReconnect = action {
            // Started only now, so `.reconnected` can never overtake `.disconnected`.
            state.withLock { state in
                guard case .reconnecting(task: .none) = state.phase else { return }
                let task = Task { [weak self] () async -> Void in await self?.reconnect() }
                state.phase = .reconnecting(task: task)
            }
        }
    }

    /// The reconnect loop: back off, try, repeat until a session is up, the credentials
    /// are refused, the attempts run out, or `close()` cancels the task.
    private func reconnect() async {
        guard let loop = state.withLock({ $0.loop }) else { return }
        var attempt = 0
        while true {
            let delay = options.backoff(attempt)
            logger.debug(
                "sharkfin client reconnecting",
                metadata: ["upstream.attempt": "\(attempt)", "upstream.delay": "\(delay)"]
            )
            do {
                try await Task.sleep(for: delay)
            } catch {
                return  // cancelled by close()
            }
            let session: SharkfinSession
            do {
                session = try await connector(loop)
            } catch {
                if Task.isCancelled { return }
                attempt += 1
                let exhausted = options.maxReconnectAttempts.map { attempt >= $0 } ?? false
                if case .unauthorized = error {
                    giveUp(error)
                    return
                }
                if exhausted {
                    giveUp(error)
                    return
                }
                logger.debug(
                    "sharkfin client reconnect attempt failed",
                    metadata: ["upstream.attempt": "\(attempt - 1)", "error": "\(error)"]
                )
                continue
            }
            let adopted = state.withLock { state -> Bool in
                guard case .reconnecting = state.phase else { return false }
                state.phase = .connected(session)
                return true
            }
            guard adopted else {
                await Self.closeUnstarted(session)
                return
            }
            logger.debug(
                "sharkfin client reconnected",
                metadata: ["upstream.attempt": "\(attempt)"]
            )
            // Emitted before the session starts, so no push of the new session precedes it.
            emit(.reconnected)
            start(session)
            return
        }
    }

    /// Reconnecting stopped for good.
    private func giveUp(_ error: SharkfinError) {
        let stillReconnecting = state.withLock { state -> Bool in
            guard case .reconnecting = state.phase else { return false }
            state.phase = .idle
            return true
        }
        guard stillReconnecting else { return }
        logger.debug("sharkfin client stopped reconnecting", metadata: ["error": "\(error)"])
        emit(.reconnectFailed(error))
    }
}

/// Relays a session's delegate calls to its client without keeping the client alive.
final class SessionObserver: SharkfinSessionDelegate, Sendable {
    private weak let client: SharkfinClient?

    init(client: SharkfinClient) { self.client = client }

    func session(_ session: SharkfinSession, didReceivePush envelope: Envelope, utf8: [UInt8]) {
        client?.sessionDidReceivePush(envelope)
    }

    func session(_ session: SharkfinSession, didCloseWith reason: SharkfinSessionCloseReason) {
        client?.sessionDidClose(session, reason: reason)
    }
}

/// A delegate that only waits for the end of a session it does not otherwise use.
///
/// `@unchecked Sendable`: `onClose` runs once, on the session's loop.
final class CloseWaiter: SharkfinSessionDelegate, @unchecked Sendable {
    private var onClose: (() -> Void)?

    init(_ onClose: @escaping () -> Void) { self.onClose = onClose }

    func session(_ session: SharkfinSession, didReceivePush envelope: Envelope, utf8: [UInt8]) {}

    func session(_ session: SharkfinSession, didCloseWith reason: SharkfinSessionCloseReason) {
        onClose?()
        onClose = nil
    }
}
