// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import SocketIO

extension SharkfinClient {
    /// The raw layer: sends any envelope and returns the server's answer as it came.
    ///
    /// The session replaces the envelope's `ref` with its own (`r<N>`), so the answer
    /// carries that ref. Error envelopes are *returned*, not thrown — check
    /// `Envelope.isError`/`errorMessage` — so operations this client does not know pass
    /// through untouched. The typed methods are built on this and throw `.server` instead.
    ///
    /// - Parameters:
    ///   - timeout: Overrides `Options.requestTimeout` for this request.
    /// - Throws: `.notConnected` (also while reconnecting), `.closed`, `.timedOut`,
    ///   `.cancelled` when the calling Task is cancelled (the request is withdrawn and a
    ///   later reply dropped), `.connectionLost(outcomeUnknown: true)`.
    public func request(
        _ envelope: Envelope,
        timeout: Duration? = nil
    ) async throws(SharkfinError) -> Envelope {
        let session = try state.withLock { state throws(SharkfinError) -> SharkfinSession in
            switch state.phase {
            case .connected(let session): return session
            case .closed: throw .closed
            case .idle, .connecting, .reconnecting: throw .notConnected
            }
        }
        let handle = InFlightRequest(session: session)
        let object = envelope.object
        let limit = timeout ?? options.requestTimeout
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<Envelope, SharkfinError>, Never>) in
                session.loop.execute {
                    handle.send(object, timeout: limit) { continuation.resume(returning: $0) }
                }
            }
        } onCancel: {
            session.loop.execute { handle.cancel() }
        }
        return try result.get()
    }

    /// Sends operation `type` with arguments `arguments` and returns the reply, throwing
    /// `.server(message:)` for an error envelope.
    func call(
        _ type: String,
        _ arguments: JSONObject? = nil
    ) async throws(SharkfinError) -> Envelope {
        let reply = try await request(Envelope(type: type, data: arguments.map { .object($0) }))
        if let message = reply.errorMessage { throw .server(message: message) }
        return reply
    }

    /// Like `call`, then decodes the reply's `d`.
    func call<T: Decodable>(
        _ type: String,
        _ arguments: JSONObject? = nil,
        as result: T.Type
    ) async throws(SharkfinError) -> T {
        try await call(type, arguments).decodeData(result)
    }
}

/// One request of the async façade on its way through a session: bridges Task cancellation,
/// which may come before or after the send, to `SharkfinSession.cancel`.
///
/// `@unchecked Sendable`: `id` and `isCancelled` are touched only on `session.loop`; both
/// `send` and `cancel` are queued there, in whichever order they happen.
final class InFlightRequest: @unchecked Sendable {
    private let session: SharkfinSession
    private var id: RequestID?
    private var isCancelled = false

    init(session: SharkfinSession) { self.session = session }

    /// Sends, unless cancelled already. Loop only.
    func send(
        _ object: JSONObject,
        timeout: Duration,
        completion: @escaping (Result<Envelope, SharkfinError>) -> Void
    ) {
        guard !isCancelled else {
            completion(.failure(.cancelled))
            return
        }
        id = session.send(object, timeout: timeout, completion: completion)
    }

    /// Withdraws the request: now if it was sent, or before it is. Loop only.
    func cancel() {
        isCancelled = true
        if let id { session.cancel(id) }
    }
}
