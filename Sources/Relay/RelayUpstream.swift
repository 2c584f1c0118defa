// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Logging
import SocketIO

/// What the relay needs from one upstream session.
///
/// `SharkfinSession` provides it in production (see `RelayUpstream+Sharkfin.swift`); tests
/// inject scripted sessions. Implementations are bound to the relay's loop: every method
/// is called there and every callback must arrive there.
public protocol RelayUpstreamSession: AnyObject, Sendable {
    /// Starts delivering pushes and the end of the session. Called once.
    ///
    /// - Parameters:
    ///   - onPush: a frame without `ref`: the parsed object and its exact bytes.
    ///   - onClose: called once when the session ends, after every pending request has
    ///     been completed with a failure; the reason is for logs and clients.
    func start(
        onPush: @escaping (_ object: JSONObject, _ utf8: [UInt8]) -> Void,
        onClose: @escaping (_ reason: String) -> Void
    )

    /// Sends `envelope` under a ref of the session's own and calls `completion` exactly
    /// once: with the reply, pong or error object as the server sent it, or a failure.
    func send(
        _ envelope: JSONObject,
        timeout: Duration,
        completion: @escaping (Result<JSONObject, RelayUpstreamRequestError>) -> Void
    )

    /// Closes the session with close code 1000; pending requests fail, `onClose` follows.
    func close()
}

/// Why an upstream request ended without a reply.
public enum RelayUpstreamRequestError: Error, Sendable, Equatable {
    /// No reply within the timeout.
    case timedOut
    /// The connection ended after the request was sent: it may or may not have run.
    case connectionLost
    /// The session was not connected; the request was not sent.
    case notConnected
    /// Anything else, described for the client.
    case other(String)
}

/// Why opening an upstream session failed.
public enum RelayUpstreamConnectError: Error, Sendable, Equatable, CustomStringConvertible {
    /// HTTP 401 on the upgrade: the API key was refused. Carries the server's body.
    case unauthorized(body: String)
    /// Anything else: refused, timed out, bad handshake.
    case failed(String)

    public var description: String {
        switch self {
        case .unauthorized(let body): "unauthorized (HTTP 401): \(body)"
        case .failed(let reason): reason
        }
    }
}

/// Opens one upstream session on `loop`. The relay calls it for every (re)connect.
public typealias RelayUpstreamConnector =
    @Sendable (
        _ loop: EventLoop,
        _ logger: Logger
    ) async throws(RelayUpstreamConnectError) -> any RelayUpstreamSession
