// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

extension WebSocketProtocolState {
    /// Handles one parsed frame. Only called in `open` and `closing(.sentByUs)`.
    mutating func frameReceived(_ frame: WebSocketFrame, into actions: inout [Action]) {
        if case .closing(.sentByUs(let record)) = state {
            // After our close frame only the peer's close matters (§5.5.1); data and pings
            // that were already in flight are ignored.
            if frame.opcode == .close { peerAnsweredClose(record, into: &actions) }
            return
        }
        switch frame.opcode {
        case .text, .binary:
            guard assemblyOpcode == nil else {
                // The parser refuses this first; kept so a bad frame can never be delivered.
                return fail(
                    .protocolViolation("new message inside a fragmented message"),
                    into: &actions
                )
            }
            if frame.fin {
                actions.append(
                    frame.opcode == .text
                        ? .deliverText(frame.payload) : .deliverBinary(frame.payload)
                )
            } else {
                assemblyOpcode = frame.opcode
                assembly = frame.payload
            }
        case .continuation:
            guard let opcode = assemblyOpcode else {
                return fail(
                    .protocolViolation("continuation frame without a message to continue"),
                    into: &actions
                )
            }
            assembly.append(contentsOf: frame.payload)
            if frame.fin {
                let message = assembly
                assembly = []
                assemblyOpcode = nil
                actions.append(opcode == .text ? .deliverText(message) : .deliverBinary(message))
            }
        case .ping:
            actions.append(.sendFrame(WebSocketFrame(opcode: .pong, payload: frame.payload)))
            actions.append(.deliverPing(frame.payload))
        case .pong:
            // Unsolicited pongs are allowed (§5.5.3) and need no answer; any pong proves the
            // peer is alive, so it also settles an outstanding keepalive ping.
            if isAwaitingPong {
                isAwaitingPong = false
                actions.append(.cancelPongDeadline)
            }
            actions.append(.deliverPong(frame.payload))
        case .close:
            peerStartedClose(frame, into: &actions)
        }
    }

    /// The peer sent the first close frame: answer it and finish the handshake.
    private mutating func peerStartedClose(_ frame: WebSocketFrame, into actions: inout [Action]) {
        assembly = []
        assemblyOpcode = nil
        switch Self.parseClosePayload(frame.payload) {
        case .success(let record):
            // Echo the peer's code (§5.5.1); an empty close is answered with an empty one.
            actions.append(.sendFrame(.close(code: frame.payload.isEmpty ? nil : record.code)))
            state = .closing(.receivedFromPeer(record))
        case .failure(let error):
            actions.append(
                .sendFrame(.close(code: error.closeCode, reason: Self.shortReason(error)))
            )
            state = .closing(
                .receivedFromPeer(CloseRecord(code: error.closeCode, reason: "", error: error))
            )
        }
        finishHandshake(into: &actions)
    }

    /// The peer answered our close frame.
    private mutating func peerAnsweredClose(_ record: CloseRecord, into actions: inout [Action]) {
        state = .closing(.answeredByPeer(record))
        finishHandshake(into: &actions)
    }

    /// Both close frames are exchanged: a server closes the TCP connection now; a client waits
    /// for the server to do so, bounded by the close timer (§7.1.1).
    private mutating func finishHandshake(into actions: inout [Action]) {
        switch role {
        case .server:
            actions.append(.closeTransport)
        case .client:
            actions.append(.startCloseTimer)
        }
    }

    /// Fails the connection (§7.1.7): send a close frame with the error's code, then close.
    mutating func fail(_ error: WebSocketError, into actions: inout [Action]) {
        switch state {
        case .open:
            assembly = []
            assemblyOpcode = nil
            let frame = WebSocketFrame.close(code: error.closeCode, reason: Self.shortReason(error))
            actions.append(.sendFrame(frame))
            let record = CloseRecord(code: error.closeCode, reason: "", error: error)
            state = .closing(.sentByUs(record))
            switch role {
            case .server:
                actions.append(.closeTransport)
            case .client:
                actions.append(.startCloseTimer)
            }
        case .closing(.sentByUs(var record)):
            // Our close frame is already out; garbage while waiting for the answer just ends it.
            if record.error == nil { record.error = error }
            state = .closing(.sentByUs(record))
            actions.append(.closeTransport)
        case .closing(.receivedFromPeer), .closing(.answeredByPeer), .closing(.dropped), .closed:
            break
        }
    }

    /// Reads the code and reason of a close frame (§5.5.1, §7.4).
    ///
    /// An empty payload means "no status" (reported as 1005). One byte cannot hold a code
    /// (1002); a code that may not appear on the wire is a 1002; a reason that is not valid
    /// UTF-8 is a 1007.
    static func parseClosePayload(_ payload: [UInt8]) -> Result<CloseRecord, WebSocketError> {
        if payload.isEmpty {
            return .success(CloseRecord(code: .noStatusReceived, reason: "", error: nil))
        }
        guard payload.count >= 2 else {
            return .failure(.protocolViolation("close frame with a 1-byte payload"))
        }
        let code = WebSocketCloseCode(UInt16(payload[0]) << 8 | UInt16(payload[1]))
        guard code.isValidOnWire else {
            return .failure(
                .protocolViolation("close code \(code.rawValue) is not allowed on the wire")
            )
        }
        let reasonBytes = payload.dropFirst(2)
        guard UTF8Validator.isValid(reasonBytes) else { return .failure(.invalidUTF8) }
        return .success(
            CloseRecord(
                code: code,
                reason: String(decoding: reasonBytes, as: UTF8.self),
                error: nil
            )
        )
    }

    /// A close reason naming the violation, short enough for a control frame.
    static func shortReason(_ error: WebSocketError) -> String {
        switch error {
        case .protocolViolation(let detail): detail
        case .messageTooLarge: "message too big"
        case .invalidUTF8: "invalid UTF-8"
        default: ""
        }
    }
}
