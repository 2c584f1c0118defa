// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import SocketIO

/// One WebSocket connection over a SocketIO `StreamConnection`, bound to an event loop.
///
/// Drives `WebSocketProtocolState` with what the socket and timers report and performs its
/// actions: writing frames (masked with a fresh key in the client role), timers for the
/// closing handshake and keepalive pongs, closing TCP, and calling the delegate.
///
/// Frames keep being processed between the handshake and `start(delegate:)`, so a server
/// ping is answered at once, until the first message arrives: from then on input is held
/// unprocessed, so that the application sees (and may answer) that message before any later
/// frame changes the state (a server may send a message and then break the protocol, and
/// the answer to the message must still go out; Autobahn 4.1.3). `start` delivers what was
/// held and resumes processing.
///
/// Sending and closing may be called from any thread (they hop onto the loop); `start` and
/// `bufferedAmount` only on the loop.
public final class WebSocketConnection: @unchecked Sendable {
    // Invariant for @unchecked Sendable: every `var` below is touched only on `loop`'s
    // thread; entry points check it or hop onto the loop first. `let`s never change.

    /// Something the delegate has not been told yet (before `start`, or while an earlier
    /// delegate call is still running).
    enum Event {
        case text([UInt8])
        case binary([UInt8])
        case ping([UInt8])
        case pong([UInt8])
        case closure(WebSocketClosure)

        var isMessage: Bool {
            switch self {
            case .text, .binary: true
            case .ping, .pong, .closure: false
            }
        }
    }

    public let loop: EventLoop
    public let role: WebSocketRole
    let stream: StreamConnection
    let configuration: WebSocketConfiguration
    let logger: Logger

    var protocolState: WebSocketProtocolState
    /// The client's opening handshake while it runs; `nil` once the WebSocket is open.
    var handshake: ClientHandshakeRun?
    private var delegate: (any WebSocketDelegate)?
    private var isStarted = false
    private var heldEvents: [Event] = []
    /// Input that arrived while a message waits for `start`, processed after it.
    private var heldInput: [UInt8] = []
    /// The transport ended while input was held: `(error)` to report after that input.
    private var heldTransportEnd: WebSocketError??
    private var actionQueue: [WebSocketProtocolState.Action] = []
    private var isPerformingActions = false
    private var closeTimer: ScheduledTask?
    private var pongDeadline: ScheduledTask?
    private var pingTimer: ScheduledTask?

    init(
        stream: StreamConnection,
        role: WebSocketRole,
        configuration: WebSocketConfiguration,
        logger: Logger
    ) {
        self.loop = stream.loop
        self.stream = stream
        self.role = role
        self.configuration = configuration
        self.logger = logger.with(["ws.connection": "\(stream.id)"])
        self.protocolState = WebSocketProtocolState(
            role: role,
            maxFrameSize: configuration.maxFrameSize,
            maxMessageSize: configuration.maxMessageSize
        )
    }

    /// Server role: wraps a connection whose upgrade request our devserver has parsed and
    /// answered with 101.
    ///
    /// SocketIO cannot change a started connection's delegate, so the devserver, which had to
    /// start `stream` to read the request, forwards its delegate calls to `streamDelegate`
    /// from now on. An unstarted `stream` is started by `start(delegate:)` instead.
    ///
    /// - Parameter leftover: bytes the client sent after its request head (early frames).
    public convenience init(
        acceptedOn stream: StreamConnection,
        leftover: [UInt8],
        configuration: WebSocketConfiguration,
        logger: Logger
    ) {
        stream.loop.preconditionInEventLoop()
        self.init(stream: stream, role: .server, configuration: configuration, logger: logger)
        if !leftover.isEmpty { receive(leftover[...]) }
    }

    /// The object that must receive `stream`'s delegate calls; see `init(acceptedOn:...)`.
    public var streamDelegate: any StreamConnectionDelegate { StreamEvents(self) }

    /// Starts delivering to `delegate`: first what arrived before, then live. Loop only;
    /// later calls are ignored. Also starts the keepalive pings if configured.
    public func start(delegate: any WebSocketDelegate) {
        loop.preconditionInEventLoop()
        guard !isStarted else { return }
        isStarted = true
        self.delegate = delegate
        if role == .server { stream.start(delegate: StreamEvents(self)) }
        scheduleKeepalivePing()
        deliverHeldEvents()
        while protocolState.hasUnprocessedInput {
            handle(protocolState.deliveryFinished())
        }
        if !heldInput.isEmpty {
            let input = heldInput
            heldInput = []
            receive(input[...])
        }
        if let end = heldTransportEnd {
            heldTransportEnd = nil
            handle(protocolState.transportClosed(error: end))
        }
    }

    /// Whether a message waits for `start`, so further input must wait too.
    private var isHoldingInput: Bool {
        !isStarted && heldEvents.contains { $0.isMessage }
    }

    /// Sends a text message of already UTF-8 encoded bytes.
    ///
    /// The bytes are not checked; send only valid UTF-8 (`sendText(_: String)` always is).
    public func sendText(_ utf8: [UInt8]) {
        onLoop { $0.handle($0.protocolState.sendRequested(.text(utf8))) }
    }

    /// Sends a text message.
    public func sendText(_ text: String) { sendText(Array(text.utf8)) }

    /// Sends a binary message.
    public func sendBinary(_ data: [UInt8]) {
        onLoop { $0.handle($0.protocolState.sendRequested(.binary(data))) }
    }

    /// Sends a ping (payload cut to 125 bytes); the pong reaches `didReceivePong`.
    public func sendPing(_ payload: [UInt8] = []) {
        onLoop { $0.handle($0.protocolState.sendRequested(.ping(payload))) }
    }

    /// Starts the closing handshake; the delegate hears `didCloseWith` when it is done.
    public func close(code: WebSocketCloseCode = .normalClosure, reason: String = "") {
        onLoop { $0.handle($0.protocolState.closeRequested(code: code, reason: reason)) }
    }

    /// Drops the TCP connection without a close frame (fault injection, hard stop).
    public func abort() {
        onLoop { connection in
            if let run = connection.handshake {
                connection.handshake = nil
                run.finish(.failure(.connectionLost("aborted locally")))
                connection.stream.close()
                return
            }
            connection.handle(connection.protocolState.abortRequested())
        }
    }

    /// Bytes queued in the socket's output buffer, not yet taken by the kernel. Loop only.
    public var bufferedAmount: Int {
        loop.preconditionInEventLoop()
        return stream.pendingWriteBytes
    }

    /// The peer's address for logs, e.g. `127.0.0.1:16000`.
    public var remoteDescription: String { stream.remoteDescription }

    private func onLoop(_ body: @escaping @Sendable (WebSocketConnection) -> Void) {
        if loop.inEventLoop {
            body(self)
        } else {
            loop.execute { body(self) }
        }
    }

    // MARK: Socket events (loop only)

    func streamDidRead(_ bytes: ArraySlice<UInt8>) {
        if handshake != nil {
            handshakeBytesReceived(bytes)
        } else {
            // A copy: the slice views SocketIO's shared read buffer, reused on the next read.
            receive(Array(bytes)[...])
        }
    }

    /// Feeds frame bytes to the state machine, letting each delivered message be handled
    /// before the next frame is looked at.
    func receive(_ bytes: ArraySlice<UInt8>) {
        if isHoldingInput {
            heldInput.append(contentsOf: bytes)
            return
        }
        handle(protocolState.bytesReceived(bytes))
        while protocolState.hasUnprocessedInput && !isHoldingInput {
            handle(protocolState.deliveryFinished())
        }
    }

    func streamDidClose(error: (any Error)?) {
        if handshake != nil {
            handshakeTransportClosed(error: error)
            return
        }
        let wsError = error.map { WebSocketError.connectionLost("\($0)") }
        if isHoldingInput {
            heldTransportEnd = .some(wsError)
            return
        }
        handle(protocolState.transportClosed(error: wsError))
    }

    // MARK: Actions

    /// Performs the state machine's actions in order. Actions produced while performing
    /// (a delegate sending from its callback, a close reporting synchronously) are queued
    /// behind the current ones rather than run re-entrantly.
    func handle(_ actions: [WebSocketProtocolState.Action]) {
        actionQueue.append(contentsOf: actions)
        guard !isPerformingActions else { return }
        isPerformingActions = true
        var index = 0
        while index < actionQueue.count {
            perform(actionQueue[index])
            index += 1
        }
        actionQueue.removeAll(keepingCapacity: true)
        isPerformingActions = false
    }

    private func perform(_ action: WebSocketProtocolState.Action) {
        switch action {
        case .deliverText(let message): deliver(.text(message))
        case .deliverBinary(let message): deliver(.binary(message))
        case .deliverPing(let payload): deliver(.ping(payload))
        case .deliverPong(let payload): deliver(.pong(payload))
        case .sendFrame(var frame):
            if role == .client { frame.maskKey = .random() }
            if logger.isEnabled(.trace) {
                logger.log(
                    .trace,
                    "sending frame",
                    metadata: ["ws.opcode": "\(frame.opcode)", "ws.size": "\(frame.payload.count)"]
                )
            }
            stream.write(FrameEncoder.encode(frame))
        case .startPongDeadline:
            pongDeadline?.cancel()
            pongDeadline = loop.schedule(after: configuration.pongTimeout) { [weak self] in
                guard let self else { return }
                self.handle(self.protocolState.pongDeadlinePassed())
            }
        case .cancelPongDeadline:
            pongDeadline?.cancel()
            pongDeadline = nil
        case .startCloseTimer:
            closeTimer?.cancel()
            closeTimer = loop.schedule(after: configuration.closeTimeout) { [weak self] in
                guard let self else { return }
                self.handle(self.protocolState.closeTimerFired())
            }
        case .closeTransport:
            stream.closeAfterFlushing(timeout: configuration.closeTimeout)
        case .dropTransport:
            stream.close()
        case .reportClosure(let closure):
            for timer in [closeTimer, pongDeadline, pingTimer] { timer?.cancel() }
            logger.log(
                .debug,
                "websocket closed",
                metadata: [
                    "ws.close.code": closure.code.map { "\($0.rawValue)" } ?? "none",
                    "ws.close.clean": "\(closure.wasClean)",
                    "ws.error": closure.error.map { "\($0)" } ?? "none",
                ]
            )
            deliver(.closure(closure))
        }
    }

    private func scheduleKeepalivePing() {
        guard let interval = configuration.pingInterval, !protocolState.isClosed else { return }
        pingTimer = loop.schedule(after: interval) { [weak self] in
            guard let self, !self.protocolState.isClosed else { return }
            self.handle(self.protocolState.pingTimerFired())
            self.scheduleKeepalivePing()
        }
    }

    // MARK: Delivery

    private func deliver(_ event: Event) {
        guard isStarted, heldEvents.isEmpty else {
            heldEvents.append(event)
            return
        }
        call(event)
    }

    private func deliverHeldEvents() {
        while !heldEvents.isEmpty {
            call(heldEvents.removeFirst())
        }
    }

    private func call(_ event: Event) {
        guard let delegate else { return }
        switch event {
        case .text(let message): delegate.webSocket(self, didReceiveText: message)
        case .binary(let message): delegate.webSocket(self, didReceiveBinary: message)
        case .ping(let payload): delegate.webSocket(self, didReceivePing: payload)
        case .pong(let payload): delegate.webSocket(self, didReceivePong: payload)
        case .closure(let closure):
            self.delegate = nil
            delegate.webSocket(self, didCloseWith: closure)
        }
    }
}

/// Forwards a stream's events to its WebSocket; the stream keeps it (and so the WebSocket)
/// alive until the TCP connection closes.
final class StreamEvents: StreamConnectionDelegate {
    let connection: WebSocketConnection

    init(_ connection: WebSocketConnection) { self.connection = connection }

    func connection(_ connection: StreamConnection, didRead bytes: ArraySlice<UInt8>) {
        self.connection.streamDidRead(bytes)
    }

    func connection(_ connection: StreamConnection, didCloseWith error: (any Error)?) {
        self.connection.streamDidClose(error: error)
    }
}
