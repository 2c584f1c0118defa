// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO

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
    /// Opens a client connection: TCP connect, then the opening handshake.
    ///
    /// The returned connection is open and already answers pings; call `start(delegate:)`
    /// on its loop to receive messages.
    ///
    /// `wss://` fails with `unsupportedScheme` for now. The seam for TLS is the
    /// `transportFactory` of SocketIO's `TCPConnector.connect`: a TLS transport wrapping the
    /// connected descriptor slots in there without changing anything above it.
    ///
    /// - Throws: `unsupportedScheme`, `handshakeInvalid` (bad custom headers or a bad 101),
    ///   `resolutionFailed`, `connectFailed`, `connectTimedOut`, `handshakeTimedOut`,
    ///   `handshakeRejected` (with the server's body), or `connectionLost` (the server
    ///   vanished or the task was cancelled).
    public static func connect(
        to url: WebSocketURL,
        configuration: WebSocketConfiguration = WebSocketConfiguration(),
        on loop: EventLoop,
        logger: Logger
    ) async throws(WebSocketError) -> WebSocketConnection {
        guard !url.isSecure else { throw .unsupportedScheme("wss") }
        let handshake = try WebSocketClientHandshake(url: url, headers: configuration.headers)
        let logger = logger.with(["ws.url": "\(url.scheme)://\(url.hostHeader)"])
        logger.log(.debug, "connecting")
        let stream: StreamConnection
        do {
            stream = try await TCPConnector.connect(
                host: url.host,
                port: url.port,
                timeout: configuration.connectTimeout,
                on: loop
            )
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

    /// Maps SocketIO's connect failures onto ours.
    private static func connectError(_ error: any Error, url: WebSocketURL) -> WebSocketError {
        switch error {
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
        switch run.handshake.transportClosed() {
        case .failed(.handshakeInvalid(let detail)):
            failure = error.map { .connectionLost("\($0)") } ?? .handshakeInvalid(detail)
        case .failed(let rejection):
            failure = rejection
        case .needMoreBytes, .upgraded:
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
