// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// The WebSocket connection state machine (RFC 6455 §5-7), without I/O, clock or logging.
///
/// Its owner reports what happened (`bytesReceived`, `sendRequested`, `closeRequested`,
/// timers firing, the transport closing) and performs the returned actions in order:
/// deliver messages, send frames, start or cancel timers, close the transport, report the
/// closure. Incoming bytes go through an internal `FrameParser`, so framing, size and UTF-8
/// rules are enforced before a frame reaches the machine.
///
/// States: `open`; `closing` in one of four phases (we sent a close and wait for the peer's;
/// the peer sent one and we answered; we sent one and the peer answered; we dropped the
/// transport without a handshake); and `closed` once the transport has ended and the
/// closure has been reported, exactly once.
///
/// Ending the TCP connection follows §7.1.1: the server closes it first, so a server closes
/// as soon as the handshake is complete (or it failed the connection), while a client waits
/// for the server to close and closes itself only when the close timer fires.
public struct WebSocketProtocolState: Sendable {
    /// What the owner must do, in the order given.
    public enum Action: Hashable, Sendable {
        /// Hand a complete, UTF-8 validated text message to the application.
        case deliverText([UInt8])
        /// Hand a complete binary message to the application.
        case deliverBinary([UInt8])
        /// Tell the application a ping arrived (the pong is a separate `sendFrame`).
        case deliverPing([UInt8])
        /// Tell the application a pong arrived.
        case deliverPong([UInt8])
        /// Encode and write this frame (a client adds a fresh mask key).
        case sendFrame(WebSocketFrame)
        /// Start the pong deadline for the keepalive ping just sent.
        case startPongDeadline
        /// The awaited pong arrived; cancel its deadline.
        case cancelPongDeadline
        /// Start the timer that bounds the wait for the closing handshake to finish.
        case startCloseTimer
        /// Close the transport once queued output (our close frame) is written.
        case closeTransport
        /// Close the transport now, discarding queued output.
        case dropTransport
        /// The connection is over: tell the application, once.
        case reportClosure(WebSocketClosure)
    }

    /// A message the application wants to send.
    public enum OutboundMessage: Hashable, Sendable {
        case text([UInt8])
        case binary([UInt8])
        /// At most 125 bytes; longer payloads are cut to 125.
        case ping([UInt8])
        /// An unsolicited pong (a heartbeat, §5.5.3); at most 125 bytes like a ping.
        case pong([UInt8])
    }

    /// The close frame that decides how the connection is reported.
    struct CloseRecord: Hashable, Sendable {
        var code: WebSocketCloseCode?
        var reason: String
        var error: WebSocketError?
    }

    /// Where the closing handshake stands.
    enum ClosingPhase: Hashable, Sendable {
        /// We sent a close frame and wait for the peer's.
        case sentByUs(CloseRecord)
        /// The peer sent a close frame and we answered it; the handshake is complete.
        case receivedFromPeer(CloseRecord)
        /// We sent a close frame and the peer answered it; the handshake is complete.
        case answeredByPeer(CloseRecord)
        /// We dropped the transport without a handshake (pong timeout, abort).
        case dropped(CloseRecord)
    }

    enum State: Hashable, Sendable {
        case open
        case closing(ClosingPhase)
        case closed
    }

    public let role: WebSocketRole
    var state = State.open
    var parser: FrameParser
    /// The opcode and payload so far of a fragmented message being reassembled.
    var assemblyOpcode: WebSocketOpcode?
    var assembly: [UInt8] = []
    /// Whether a keepalive ping is out and its pong not yet seen.
    var isAwaitingPong = false

    /// - Parameters:
    ///   - role: our end of the connection.
    ///   - maxFrameSize: the largest frame payload accepted (1009 beyond).
    ///   - maxMessageSize: the largest reassembled message accepted (1009 beyond).
    public init(role: WebSocketRole, maxFrameSize: Int, maxMessageSize: Int) {
        self.role = role
        self.parser = FrameParser(
            role: role,
            maxFrameSize: maxFrameSize,
            maxMessageSize: maxMessageSize
        )
    }

    /// Whether messages may still be sent (no close frame sent or received yet).
    public var isOpen: Bool { state == .open }

    /// Whether the closure has been reported.
    public var isClosed: Bool { state == .closed }

    /// Bytes arrived from the peer.
    ///
    /// Processing pauses after each delivered message while more input is buffered, so the
    /// owner can hand the message over (and the application answer it) before a later frame
    /// in the same read changes the state: an echo of a valid message must still go out when
    /// the next frame fails the connection (Autobahn 3.2, 4.1.3, 5.15). The owner then calls
    /// `deliveryFinished()` while `hasUnprocessedInput` holds.
    public mutating func bytesReceived(_ bytes: ArraySlice<UInt8>) -> [Action] {
        guard isReading else { return [] }
        parser.append(bytes)
        return processBufferedInput()
    }

    /// The owner has performed the actions of the last step; continue with buffered input.
    public mutating func deliveryFinished() -> [Action] {
        guard isReading else { return [] }
        return processBufferedInput()
    }

    /// Whether buffered input waits for `deliveryFinished()`.
    public var hasUnprocessedInput: Bool { isReading && parser.bufferedByteCount > 0 }

    /// Whether incoming frames still matter: nothing may follow a close frame (§5.5.1), so
    /// after the peer's close whatever arrives is ignored.
    private var isReading: Bool { state == .open || state.isAwaitingPeerClose }

    private mutating func processBufferedInput() -> [Action] {
        var actions: [Action] = []
        while isReading {
            switch parser.next() {
            case .needMoreBytes:
                return actions
            case .frame(let frame):
                frameReceived(frame, into: &actions)
                switch actions.last {
                case .deliverText, .deliverBinary:
                    if parser.bufferedByteCount > 0 { return actions }
                default:
                    break
                }
            case .violation(let error):
                fail(error, into: &actions)
                return actions
            }
        }
        return actions
    }

    /// The application asked to send a message; dropped once closing has begun (§5.5.1).
    public mutating func sendRequested(_ message: OutboundMessage) -> [Action] {
        guard state == .open else { return [] }
        let frame: WebSocketFrame
        switch message {
        case .text(let payload): frame = WebSocketFrame(opcode: .text, payload: payload)
        case .binary(let payload): frame = WebSocketFrame(opcode: .binary, payload: payload)
        case .ping(let payload):
            frame = WebSocketFrame(opcode: .ping, payload: Array(payload.prefix(125)))
        case .pong(let payload):
            frame = WebSocketFrame(opcode: .pong, payload: Array(payload.prefix(125)))
        }
        return [.sendFrame(frame)]
    }

    /// The application asked to close; starts the closing handshake if still open.
    ///
    /// A code that may not appear on the wire (1005, 1006, 1015, reserved ranges) is sent as
    /// a close frame without a code. The reason is cut to 123 bytes at a character boundary.
    public mutating func closeRequested(code: WebSocketCloseCode, reason: String) -> [Action] {
        guard state == .open else { return [] }
        let frame = WebSocketFrame.close(code: code, reason: reason)
        let sentCode: WebSocketCloseCode? = frame.payload.isEmpty ? nil : code
        let sentReason =
            frame.payload.isEmpty ? "" : String(decoding: frame.payload.dropFirst(2), as: UTF8.self)
        state = .closing(.sentByUs(CloseRecord(code: sentCode, reason: sentReason, error: nil)))
        return [.sendFrame(frame), .startCloseTimer]
    }

    /// The application asked to drop the connection without a closing handshake.
    public mutating func abortRequested() -> [Action] {
        switch state {
        case .open, .closing(.sentByUs), .closing(.receivedFromPeer), .closing(.answeredByPeer):
            let lost = WebSocketError.connectionLost("aborted locally")
            state = .closing(.dropped(CloseRecord(code: nil, reason: "", error: lost)))
            return [.dropTransport]
        case .closing(.dropped), .closed:
            return []
        }
    }

    /// The keepalive timer fired: send a ping unless one is still unanswered.
    public mutating func pingTimerFired() -> [Action] {
        guard state == .open, !isAwaitingPong else { return [] }
        isAwaitingPong = true
        return [.sendFrame(WebSocketFrame(opcode: .ping)), .startPongDeadline]
    }

    /// The pong deadline passed: if the pong is still missing, the peer is gone.
    public mutating func pongDeadlinePassed() -> [Action] {
        guard state == .open, isAwaitingPong else { return [] }
        isAwaitingPong = false
        let record = CloseRecord(code: nil, reason: "", error: .pongTimedOut)
        state = .closing(.dropped(record))
        return [.dropTransport]
    }

    /// The close timer fired: stop waiting for the peer and close the transport.
    public mutating func closeTimerFired() -> [Action] {
        switch state {
        case .closing(.sentByUs), .closing(.receivedFromPeer), .closing(.answeredByPeer):
            return [.closeTransport]
        case .open, .closing(.dropped), .closed:
            return []
        }
    }

    /// The transport ended (peer EOF, error, or our own close); reports the closure.
    ///
    /// - Parameter error: why the transport failed, if it did; `nil` for an orderly end.
    public mutating func transportClosed(error: WebSocketError?) -> [Action] {
        let closure: WebSocketClosure
        switch state {
        case .open:
            let lost =
                error ?? .connectionLost("the peer closed the connection without a close frame")
            closure = WebSocketClosure(code: nil, reason: "", wasClean: false, error: lost)
        case .closing(.sentByUs(let record)):
            closure = WebSocketClosure(
                code: record.code,
                reason: record.reason,
                wasClean: false,
                error: record.error
            )
        case .closing(.receivedFromPeer(let record)), .closing(.answeredByPeer(let record)):
            closure = WebSocketClosure(
                code: record.code,
                reason: record.reason,
                wasClean: true,
                error: record.error
            )
        case .closing(.dropped(let record)):
            closure = WebSocketClosure(code: nil, reason: "", wasClean: false, error: record.error)
        case .closed:
            return []
        }
        state = .closed
        assembly = []
        assemblyOpcode = nil
        return [.reportClosure(closure)]
    }
}

extension WebSocketProtocolState.State {
    var isAwaitingPeerClose: Bool {
        if case .closing(.sentByUs) = self { return true }
        return false
    }
}
