// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO
import TLS

/// The client's opening handshake in progress on the loop.
final class ClientHandshakeRun {
    var handshake: WebSocketClientHandshake
    private let continuation: CheckedContinuation<Result<Void, WebSocketError>, Never>
    var timeout: ScheduledTask?
    private var isFinished = false

    init(
        _ handshake: WebSocketClientHandshake,
        _ continuation: CheckedContinuation<Result<Void, WebSocketError>, Never>
    ) {
        self.handshake = handshake
        self.continuation = continuation
    }

    /// Resumes the waiting `connect`, once.
    func finish(_ result: Result<Void, WebSocketError>) {
        guard !isFinished else { return }
        isFinished = true
        timeout?.cancel()
        continuation.resume(returning: result)
    }
}

@available(*, unavailable)
extension ClientHandshakeRun: Sendable {}

extension WebSocketConnection {
    /// Opens a client connection: TCP connect, TLS for `wss://`, then the opening
    /// handshake.
    ///
    /// The returned connection is open and already answers pings; call `start(delegate:)`
    /// on its loop to receive messages.
    ///
    /// For `wss://` the connected socket is wrapped in a `TLSClientTransport` built from
    /// `configuration.tls` (or the shared system-default context), verifying the server's
    /// certificate for `url.host`. `connectTimeout` bounds resolution and TCP;
    /// `handshakeTimeout` bounds the TLS handshake and the HTTP upgrade together, since the
    /// TLS handshake runs inside the first reads and writes of the upgrade.
    ///
    /// - Throws: `handshakeInvalid` (bad custom headers or a bad 101), `resolutionFailed`,
    ///   `connectFailed`, `connectTimedOut`, `tlsFailed` (certificate refused, not TLS, TLS
    ///   setup), `handshakeTimedOut`, `handshakeRejected` (with the server's body), or
    ///   `connectionLost` (the server vanished or the task was cancelled).
    public static func connect(
        to url: WebSocketURL,
        configuration: WebSocketConfiguration = WebSocketConfiguration(),
        on loop: EventLoop,
        logger: Logger
    ) async throws(WebSocketError) -> WebSocketConnection {
        let handshake = try WebSocketClientHandshake(url: url, headers: configuration.headers)
        let logger = logger.with(["ws.url": "\(url.scheme)://\(url.hostHeader)"])
        logger.log(.debug, "connecting")
        let stream: StreamConnection
        do {
            if url.isSecure {
                let context = try configuration.tls ?? systemDefaultTLSContext()
                stream = try await TCPConnector.connect(
                    host: url.host,
                    port: url.port,
                    timeout: configuration.connectTimeout,
                    on: loop,
                    transportFactory: TLSClientTransport.factory(
                        context: context,
                        serverHostname: url.host,
                        logger: logger
                    )
                )
            } else {
                stream = try await TCPConnector.connect(
                    host: url.host,
                    port: url.port,
                    timeout: configuration.connectTimeout,
                    on: loop
                )
            }
        } catch {
            throw Self.connectError(error, url: url)
        }
        let connection = WebSocketConnection(
            stream: stream,
            role: .client,
            configuration: configuration,
            logger: logger
        )
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                loop.execute { connection.beginHandshake(handshake, continuation) }
            }
        } onCancel: {
            connection.abort()
        }
        try result.get()
        logger.log(.debug, "websocket open", metadata: ["ws.peer": stream.remoteDescription])
        return connection
    }

    /// The TLS context `wss://` connections use when their configuration names none: the
    /// system trust store, peer verification, TLS 1.2 at least. Built once per process on
    /// first use; a failure (no readable trust store) is kept and reported every time.
    ///
    /// - Throws: `WebSocketError.tlsFailed` with OpenSSL's reason.
    public static func systemDefaultTLSContext() throws(WebSocketError) -> TLSContext {
        switch sharedSystemTLSContext {
        case .success(let context): return context
        case .failure(let error): throw .tlsFailed(error.description)
        }
    }

    /// Maps SocketIO's connect failures onto ours.
    private static func connectError(_ error: any Error, url: WebSocketURL) -> WebSocketError {
        switch error {
        case let error as WebSocketError:
            return error
        case let error as TLSError:
            return .tlsFailed(error.description)
        case SocketIOError.resolutionFailed(let host, let message):
            return .resolutionFailed(host: host, message: message)
        case SocketIOError.connectTimedOut:
            return .connectTimedOut
        case SocketIOError.connectFailed(let host, let port, let lastError):
            return .connectFailed(host: host, port: port, message: lastError.description)
        case SocketIOError.cancelled, is CancellationError:
            return .connectionLost("connect cancelled")
        default:
            return .connectFailed(host: url.host, port: url.port, message: "\(error)")
        }
    }

    /// Starts reading, writes the upgrade request and arms the handshake timeout. Loop only.
    func beginHandshake(
        _ handshake: WebSocketClientHandshake,
        _ continuation: CheckedContinuation<Result<Void, WebSocketError>, Never>
    ) {
        let run = ClientHandshakeRun(handshake, continuation)
        guard !protocolState.isClosed, stream.isOpen else {
            run.finish(.failure(.connectionLost("connect cancelled")))
            return
        }
        self.handshake = run
        run.timeout = loop.schedule(after: configuration.handshakeTimeout) { [weak self] in
            self?.handshakeTimedOut()
        }
        stream.start(delegate: StreamEvents(self))
        stream.write(handshake.request)
    }

    func handshakeBytesReceived(_ bytes: ArraySlice<UInt8>) {
        guard let run = handshake else { return }
        switch run.handshake.bytesReceived(bytes) {
        case .needMoreBytes:
            return
        case .upgraded(let leftover):
            handshake = nil
            run.finish(.success(()))
            if !leftover.isEmpty { receive(leftover[...]) }
        case .failed(let error):
            handshake = nil
            run.finish(.failure(error))
            stream.close()
        }
    }

    func handshakeTransportClosed(error: (any Error)?) {
        guard let run = handshake else { return }
        handshake = nil
        let failure: WebSocketError
        switch (run.handshake.transportClosed(), error) {
        case (_, let tlsError as TLSError):
            // A refused certificate or a peer that is not TLS ends the socket before any
            // HTTP byte arrives; its own words say more than "closed early".
            failure = .tlsFailed(tlsError.description)
        case (.failed(.handshakeInvalid(let detail)), _):
            failure = error.map { .connectionLost("\($0)") } ?? .handshakeInvalid(detail)
        case (.failed(let rejection), _):
            failure = rejection
        case (.needMoreBytes, _), (.upgraded, _):
            failure = .connectionLost("closed during the opening handshake")
        }
        run.finish(.failure(failure))
        handle(protocolState.transportClosed(error: failure))
    }

    private func handshakeTimedOut() {
        guard let run = handshake else { return }
        handshake = nil
        run.finish(.failure(.handshakeTimedOut))
        stream.close()
    }
}

/// The process-wide system-default TLS context behind `systemDefaultTLSContext()`.
private let sharedSystemTLSContext = Result { () throws(TLSError) -> TLSContext in
    try TLSContext(configuration: TLSConfiguration())
}
