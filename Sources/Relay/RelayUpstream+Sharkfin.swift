// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Logging
import SharkfinClient
import SocketIO
import WebSocket

/// The production upstream: a `SharkfinSession` on the relay's loop.
public enum SharkfinUpstream {
    /// A connector that opens `/ws` at `endpoint` with its API key.
    public static func connector(
        endpoint: SharkfinEndpoint,
        configuration: WebSocketConfiguration = WebSocketConfiguration()
    ) -> RelayUpstreamConnector {
        { loop, logger throws(RelayUpstreamConnectError) in
            do throws(SharkfinError) {
                let session = try await SharkfinSession.connect(
                    to: endpoint,
                    configuration: configuration,
                    on: loop,
                    logger: logger
                )
                return SharkfinUpstreamSession(session)
            } catch {
                if case .unauthorized(let body) = error { throw .unauthorized(body: body) }
                throw .failed(error.description)
            }
        }
    }
}

/// Adapts `SharkfinSession` to what the relay needs.
final class SharkfinUpstreamSession: RelayUpstreamSession, SharkfinSessionDelegate,
    @unchecked Sendable
{
    // Invariant for @unchecked Sendable: the callbacks are set and used on the session's
    // loop only; `session` is immutable.
    let session: SharkfinSession
    private var onPush: ((JSONObject, [UInt8]) -> Void)?
    private var onClose: ((String) -> Void)?

    init(_ session: SharkfinSession) { self.session = session }

    func start(
        onPush: @escaping (JSONObject, [UInt8]) -> Void,
        onClose: @escaping (String) -> Void
    ) {
        self.onPush = onPush
        self.onClose = onClose
        session.start(delegate: self)
    }

    func send(
        _ envelope: JSONObject,
        timeout: Duration,
        completion: @escaping (Result<JSONObject, RelayUpstreamRequestError>) -> Void
    ) {
        session.send(envelope, timeout: timeout) { result in
            switch result {
            case .success(let reply): completion(.success(reply.object))
            case .failure(let error): completion(.failure(Self.map(error)))
            }
        }
    }

    func close() { session.close() }

    func session(_ session: SharkfinSession, didReceivePush envelope: Envelope, utf8: [UInt8]) {
        onPush?(envelope.object, utf8)
    }

    func session(_ session: SharkfinSession, didCloseWith reason: SharkfinSessionCloseReason) {
        let close = onClose
        onPush = nil
        onClose = nil
        close?(reason.description)
    }

    private static func map(_ error: SharkfinError) -> RelayUpstreamRequestError {
        switch error {
        case .timedOut: .timedOut
        case .connectionLost, .closed: .connectionLost
        case .notConnected: .notConnected
        default: .other(error.description)
        }
    }
}
