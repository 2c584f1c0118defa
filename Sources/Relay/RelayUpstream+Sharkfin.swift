// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Logging
import SharkfinClient
import SocketIO
import WebSocket

/// The production upstream: `SharkfinSession`s on the relay's loop.
public enum SharkfinUpstream {
    /// A connector that opens `path` (`/ws`, or `/presence` for
    /// `RelayServer(presenceFactory:)`) at `endpoint` with its API key.
    ///
    /// - Parameters:
    ///   - limits: the relay's limits; the WebSocket gets its keepalive from them
    ///     (``webSocketConfiguration(limits:base:)``).
    ///   - base: other WebSocket settings (headers, message size); its keepalive and
    ///     connect timeout are replaced.
    public static func connector(
        endpoint: SharkfinEndpoint,
        path: String = "/ws",
        limits: RelayLimits = RelayLimits(),
        base: WebSocketConfiguration = WebSocketConfiguration()
    ) -> RelayUpstreamConnector {
        let configuration = webSocketConfiguration(limits: limits, base: base)
        return { loop, logger throws(RelayUpstreamConnectError) in
            do throws(SharkfinError) {
                let session = try await SharkfinSession.connect(
                    to: endpoint,
                    path: path,
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

    /// `base` with the relay's keepalive: a ping every ``RelayLimits/upstreamPingInterval``
    /// that must be answered within ``RelayLimits/upstreamPongTimeout``, so a connection
    /// that went silently dead (no RST, no data: a blackholed route, a dead NAT entry) is
    /// declared lost within `upstreamPingInterval + upstreamPongTimeout` (20 s by default).
    /// Connect and handshake each get ``RelayLimits/connectTimeout``.
    ///
    /// Two other detectors are not reachable from here. The server's own pings (every
    /// 10 s) are answered by the WebSocket layer, but `SharkfinSession` does not report
    /// them, so their absence cannot be watched; our pings cover the same failure. TCP
    /// keepalive: `TCPConnector` sets `SO_KEEPALIVE`, but the descriptor is private to
    /// the WebSocket layer, so `TCP_KEEPIDLE`/`TCP_KEEPINTVL`/`TCP_KEEPCNT` keep the
    /// kernel's defaults (about two hours), which our pings make moot.
    public static func webSocketConfiguration(
        limits: RelayLimits,
        base: WebSocketConfiguration = WebSocketConfiguration()
    ) -> WebSocketConfiguration {
        var configuration = base
        configuration.pingInterval = limits.upstreamPingInterval
        configuration.pongTimeout = limits.upstreamPongTimeout
        configuration.connectTimeout = limits.connectTimeout
        configuration.handshakeTimeout = limits.connectTimeout
        return configuration
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
