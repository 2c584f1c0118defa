// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO
import WebSocket

extension SharkfinSession {
    /// Opens the server's WebSocket at `path` with `Authorization: ApiKey-v1 <key>` and
    /// returns the session, not yet started: call `start(delegate:)` on the loop. Frames
    /// that arrive before are kept.
    ///
    /// - Parameters:
    ///   - path: `/ws` (default) or `/presence`; replaces the trailing `/ws` of the
    ///     endpoint's URL, whose query is kept.
    ///   - configuration: WebSocket settings; an `Authorization` header in it is replaced
    ///     by the endpoint's key.
    /// - Throws: `.unauthorized(body:)` when the server answers the upgrade with 401 (body
    ///   without its trailing newline); `.transport(WebSocketError)` for everything else:
    ///   resolution, connect, handshake, other statuses.
    public static func connect(
        to endpoint: SharkfinEndpoint,
        path: String = "/ws",
        configuration: WebSocketConfiguration,
        on loop: EventLoop,
        logger: Logger
    ) async throws(SharkfinError) -> SharkfinSession {
        var configuration = configuration
        configuration.headers.removeAll { $0.name.lowercased() == "authorization" }
        configuration.headers.append(
            HTTPHeaderField(name: "Authorization", value: "ApiKey-v1 \(endpoint.apiKey)")
        )
        let url = endpoint.webSocketURL(path: path)
        let connection: WebSocketConnection
        do {
            connection = try await WebSocketConnection.connect(
                to: url,
                configuration: configuration,
                on: loop,
                logger: logger
            )
        } catch {
            if case .handshakeRejected(401, _, let body) = error {
                throw .unauthorized(body: SharkfinRESTClient.trimmingTrailingWhitespace(body))
            }
            throw .transport(error)
        }
        let session = SharkfinSession(loop: loop, logger: logger)
        await loop.submit {
            session.attach(WebSocketTransport(connection))
            connection.start(delegate: WebSocketEvents(session))
        }
        return session
    }
}

/// The production transport: a `WebSocketConnection`.
///
/// The session owns it until the connection ends; the connection owns its delegate
/// (`WebSocketEvents`, which owns the session) until it reports the closure. Both links are
/// dropped at the end, so nothing outlives the connection.
private final class WebSocketTransport: SessionTransport {
    let connection: WebSocketConnection

    init(_ connection: WebSocketConnection) { self.connection = connection }

    func sendText(_ utf8: [UInt8]) { connection.sendText(utf8) }

    func close() { connection.close(code: .normalClosure, reason: "") }
}

/// Forwards a WebSocket's text frames and closure to its session (on the loop).
private final class WebSocketEvents: WebSocketDelegate {
    let session: SharkfinSession

    init(_ session: SharkfinSession) { self.session = session }

    func webSocket(_ webSocket: WebSocketConnection, didReceiveText utf8: [UInt8]) {
        session.transportDidReceiveText(utf8)
    }

    func webSocket(_ webSocket: WebSocketConnection, didReceiveBinary data: [UInt8]) {
        // Sharkfin sends only text frames; a binary one carries nothing we could use.
        session.logger.debug(
            "sharkfin binary frame dropped",
            metadata: ["ws.bytes": "\(data.count)"]
        )
    }

    func webSocket(_ webSocket: WebSocketConnection, didCloseWith closure: WebSocketClosure) {
        session.transportDidClose(closure)
    }
}
