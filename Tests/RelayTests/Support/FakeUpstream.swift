// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Logging
import Relay
import SocketIO
import Synchronization
import TestSupport

/// A scripted upstream session: records what the relay sends, answers when the test says
/// so, pushes events and closes on demand. Bound to the relay's loop like a real session.
final class FakeUpstreamSession: RelayUpstreamSession, @unchecked Sendable {
    // Invariant for @unchecked Sendable: mutable state is touched only on `loop`'s thread.

    let loop: EventLoop
    /// Envelopes as the relay sent them (with the session's ref `r<N>` put in).
    let sent = Recorder<JSONObject>()
    private var completions: [String: (Result<JSONObject, RelayUpstreamRequestError>) -> Void] = [:]
    private var onPush: ((JSONObject, [UInt8]) -> Void)?
    private var onClose: ((String) -> Void)?
    private var nextRef = 1
    /// When set, every request is answered at once with a reply echoing its `d`.
    var autoReply = false

    init(loop: EventLoop) { self.loop = loop }

    func start(
        onPush: @escaping (JSONObject, [UInt8]) -> Void,
        onClose: @escaping (String) -> Void
    ) {
        self.onPush = onPush
        self.onClose = onClose
    }

    func send(
        _ envelope: JSONObject,
        timeout: Duration,
        completion: @escaping (Result<JSONObject, RelayUpstreamRequestError>) -> Void
    ) {
        let ref = "r\(nextRef)"
        nextRef += 1
        let stamped = envelope.insertingOrReplacing(key: "ref", value: .string(ref))
        guard onClose != nil else {
            completion(.failure(.notConnected))
            return
        }
        completions[ref] = completion
        loop.schedule(after: timeout) { [self] in
            completions.removeValue(forKey: ref)?(.failure(.timedOut))
        }
        sent.record(stamped)
        if autoReply {
            var reply: JSONObject = ["type": "reply"]
            if let data = envelope["d"] { reply.updateValue(data, forKey: "d") }
            reply.updateValue(.string(ref), forKey: "ref")
            reply.updateValue(true, forKey: "ok")
            completions.removeValue(forKey: ref)?(.success(reply))
        }
    }

    func close() {
        closeFromServer(reason: "closed by client (1000)")
    }

    // MARK: Test controls (any thread)

    /// Answers the request sent under `ref` with `reply` (its text, session ref inside).
    func reply(toRef ref: String, with text: String) {
        loop.execute { [self] in
            let object = try! JSONObject(parsing: Array(text.utf8))
            completions.removeValue(forKey: ref)?(.success(object))
        }
    }

    /// Delivers a push exactly as `text`.
    func push(_ text: String) {
        loop.execute { [self] in
            let bytes = Array(text.utf8)
            onPush?(try! JSONObject(parsing: bytes), bytes)
        }
    }

    /// Ends the session as a server drop would: pending requests fail, then onClose.
    func closeFromServer(reason: String = "connection reset (1006)") {
        loop.execute { [self] in
            let pending = completions
            completions.removeAll()
            for completion in pending.values { completion(.failure(.connectionLost)) }
            let close = onClose
            onClose = nil
            onPush = nil
            close?(reason)
        }
    }
}

/// Hands out fake sessions, or failures, one per connection attempt.
final class FakeUpstreamConnector: Sendable {
    let loop: EventLoop
    /// Every session handed out, in order.
    let sessions = Recorder<FakeUpstreamSession>()
    /// Failures to return before the next success, in order.
    private let failures = Mutex<[RelayUpstreamConnectError]>([])
    private let autoReply: Bool

    init(loop: EventLoop, autoReply: Bool = false) {
        self.loop = loop
        self.autoReply = autoReply
    }

    /// Makes the next attempts fail with `errors`, one each.
    func failNext(_ errors: [RelayUpstreamConnectError]) {
        failures.withLock { $0.append(contentsOf: errors) }
    }

    var connector: RelayUpstreamConnector {
        { [self] loop, _ throws(RelayUpstreamConnectError) in
            if let failure = failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                throw failure
            }
            let session = FakeUpstreamSession(loop: loop)
            session.autoReply = autoReply
            sessions.record(session)
            return session
        }
    }

    /// The session of the `index`-th successful attempt (0-based), once it exists.
    func session(_ index: Int = 0) async throws -> FakeUpstreamSession {
        try await sessions.waitForCount(index + 1)[index]
    }
}
