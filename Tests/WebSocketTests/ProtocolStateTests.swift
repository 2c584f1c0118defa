// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import WebSocket

typealias Action = WebSocketProtocolState.Action

func clientState(maxMessageSize: Int = 1 << 20) -> WebSocketProtocolState {
    WebSocketProtocolState(
        role: .client,
        maxFrameSize: maxMessageSize,
        maxMessageSize: maxMessageSize
    )
}

extension WebSocketProtocolState {
    /// Feeds the wire form of server frames (unmasked) to a client-role machine.
    mutating func receive(_ frames: WebSocketFrame...) -> [Action] {
        var actions = bytesReceived(wire(frames)[...])
        while hasUnprocessedInput { actions += deliveryFinished() }
        return actions
    }
}

func closePayload(_ code: UInt16, _ reason: String = "") -> [UInt8] {
    [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8)
}

@Suite struct ProtocolStateTests {
    @Test func deliversTextAndBinaryMessages() {
        var state = clientState()
        let actions = state.receive(
            WebSocketFrame(opcode: .text, payload: Array("hi".utf8)),
            WebSocketFrame(opcode: .binary, payload: [1, 2])
        )
        #expect(actions == [.deliverText(Array("hi".utf8)), .deliverBinary([1, 2])])
    }

    @Test func reassemblesFragmentsWithControlFramesInterleaved() {
        var state = clientState()
        let actions = state.receive(
            WebSocketFrame(fin: false, opcode: .text, payload: Array("frag".utf8)),
            WebSocketFrame(opcode: .ping, payload: [9]),
            WebSocketFrame(fin: false, opcode: .continuation, payload: Array("men".utf8)),
            WebSocketFrame(opcode: .pong, payload: [8]),
            WebSocketFrame(opcode: .continuation, payload: Array("ted".utf8))
        )
        #expect(
            actions == [
                .sendFrame(WebSocketFrame(opcode: .pong, payload: [9])), .deliverPing([9]),
                .deliverPong([8]), .deliverText(Array("fragmented".utf8)),
            ]
        )
    }

    @Test func reassemblesAMessageSplitAcrossReadsAtEveryByte() {
        let frames = [
            WebSocketFrame(fin: false, opcode: .binary, payload: [1, 2, 3]),
            WebSocketFrame(opcode: .continuation, payload: [4, 5]),
        ]
        let bytes = wire(frames)
        for split in 0...bytes.count {
            var state = clientState()
            let actions =
                state.bytesReceived(bytes[..<split]) + state.bytesReceived(bytes[split...])
            #expect(actions == [.deliverBinary([1, 2, 3, 4, 5])], "split \(split)")
        }
    }

    @Test func pausesAfterEachMessageSoItsAnswerPrecedesALaterViolation() {
        var state = clientState()
        let bytes = wire([WebSocketFrame(opcode: .text, payload: [0x61])]) + [0xA1, 0x00]
        #expect(state.bytesReceived(bytes[...]) == [.deliverText([0x61])])
        #expect(state.hasUnprocessedInput)
        let echo = state.sendRequested(.text([0x61]))
        #expect(echo == [.sendFrame(WebSocketFrame(opcode: .text, payload: [0x61]))])
        let failure = state.deliveryFinished()
        #expect(failure.count == 2 && failure.last == .startCloseTimer)
        #expect(!state.hasUnprocessedInput)
    }

    @Test func answersPingWithPongEchoingThePayload() {
        var state = clientState()
        let payload = Array(repeating: UInt8(0x5A), count: 125)
        let actions = state.receive(WebSocketFrame(opcode: .ping, payload: payload))
        #expect(
            actions == [
                .sendFrame(WebSocketFrame(opcode: .pong, payload: payload)), .deliverPing(payload),
            ]
        )
    }

    @Test func peerCloseIsEchoedAndClientWaitsForTheServerToCloseTCP() {
        var state = clientState()
        let actions = state.receive(
            WebSocketFrame(opcode: .close, payload: closePayload(1001, "bye"))
        )
        #expect(actions == [.sendFrame(.close(code: .goingAway)), .startCloseTimer])
        #expect(state.sendRequested(.text([0x41])) == [])
        #expect(state.receive(WebSocketFrame(opcode: .text, payload: [0x41])) == [])
        #expect(
            state.transportClosed(error: nil) == [
                .reportClosure(
                    WebSocketClosure(code: .goingAway, reason: "bye", wasClean: true, error: nil)
                )
            ]
        )
        #expect(state.transportClosed(error: nil) == [])
    }

    @Test func emptyPeerCloseIsAnsweredEmptyAndReportedAsNoStatus() {
        var state = clientState()
        #expect(
            state.receive(WebSocketFrame(opcode: .close)) == [
                .sendFrame(WebSocketFrame(opcode: .close)), .startCloseTimer,
            ]
        )
        #expect(state.closeTimerFired() == [.closeTransport])
        #expect(
            state.transportClosed(error: nil) == [
                .reportClosure(
                    WebSocketClosure(
                        code: .noStatusReceived,
                        reason: "",
                        wasClean: true,
                        error: nil
                    )
                )
            ]
        )
    }

    @Test func serverRoleClosesTCPRightAfterEchoingClose() {
        var state = WebSocketProtocolState(role: .server, maxFrameSize: 100, maxMessageSize: 100)
        let bytes = wire(
            [WebSocketFrame(opcode: .close, payload: closePayload(1000))],
            masked: true
        )
        #expect(
            state.bytesReceived(bytes[...]) == [
                .sendFrame(.close(code: .normalClosure)), .closeTransport,
            ]
        )
    }

    @Test func ourCloseIgnoresDataUntilThePeerAnswers() {
        var state = clientState()
        #expect(
            state.closeRequested(code: .normalClosure, reason: "done") == [
                .sendFrame(.close(code: .normalClosure, reason: "done")), .startCloseTimer,
            ]
        )
        #expect(
            state.receive(
                WebSocketFrame(opcode: .text, payload: [0x41]),
                WebSocketFrame(opcode: .ping)
            ) == []
        )
        #expect(
            state.receive(WebSocketFrame(opcode: .close, payload: closePayload(1000))) == [
                .startCloseTimer
            ]
        )
        #expect(
            state.transportClosed(error: nil) == [
                .reportClosure(
                    WebSocketClosure(
                        code: .normalClosure,
                        reason: "done",
                        wasClean: true,
                        error: nil
                    )
                )
            ]
        )
    }

    @Test func closeTimerEndsAnUnansweredClose() {
        var state = clientState()
        _ = state.closeRequested(code: .goingAway, reason: "")
        #expect(state.closeTimerFired() == [.closeTransport])
        #expect(
            state.transportClosed(error: nil) == [
                .reportClosure(
                    WebSocketClosure(code: .goingAway, reason: "", wasClean: false, error: nil)
                )
            ]
        )
    }

    @Test(
        arguments: [
            ("1-byte close payload", [0x03], 1002),
            ("close code 999", closePayload(999), 1002),
            ("close code 1004", closePayload(1004), 1002),
            ("close code 1005", closePayload(1005), 1002),
            ("close code 1006", closePayload(1006), 1002),
            ("close code 1015", closePayload(1015), 1002),
            ("close code 1016", closePayload(1016), 1002),
            ("close code 2999", closePayload(2999), 1002),
            ("close code 5000", closePayload(5000), 1002),
            ("invalid UTF-8 reason", closePayload(1000) + [0xFF], 1007),
        ] as [(String, [UInt8], UInt16)]
    )
    func badPeerCloseFailsWithCode(name: String, payload: [UInt8], code: UInt16) {
        var state = clientState()
        let actions = state.receive(WebSocketFrame(opcode: .close, payload: payload))
        guard case .sendFrame(let frame) = actions.first else {
            Issue.record("\(name): no close frame sent")
            return
        }
        #expect(Array(frame.payload.prefix(2)) == closePayload(code), "\(name)")
        #expect(actions.last == .startCloseTimer)
    }

    @Test(
        arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]
            as [UInt16]
    )
    func validPeerCloseCodeIsEchoed(code: UInt16) {
        var state = clientState()
        let actions = state.receive(WebSocketFrame(opcode: .close, payload: closePayload(code)))
        #expect(
            actions.first == .sendFrame(WebSocketFrame(opcode: .close, payload: closePayload(code)))
        )
    }

    @Test func protocolViolationSendsCloseAndWaitsForTheServer() {
        var state = clientState()
        let actions = state.bytesReceived([0x83, 0x00])
        guard case .sendFrame(let frame) = actions.first else {
            Issue.record("no close frame")
            return
        }
        #expect(frame.opcode == .close && Array(frame.payload.prefix(2)) == closePayload(1002))
        #expect(actions.last == .startCloseTimer)
        let report = state.transportClosed(error: nil)
        guard case .reportClosure(let closure) = report.first else {
            Issue.record("no closure")
            return
        }
        #expect(closure.code == .protocolError)
        #expect(closure.wasClean == false)
        #expect(closure.error == .protocolViolation("reserved opcode 3"))
    }

    @Test func oversizedMessageFailsWith1009() {
        var state = clientState(maxMessageSize: 10)
        let actions = state.receive(
            WebSocketFrame(opcode: .binary, payload: Array(repeating: 0, count: 11))
        )
        #expect(
            actions.first == .sendFrame(.close(code: .messageTooBig, reason: "message too big"))
        )
    }

    @Test func keepalivePingTimesOutWithoutPong() {
        var state = clientState()
        #expect(
            state.pingTimerFired() == [
                .sendFrame(WebSocketFrame(opcode: .ping)), .startPongDeadline,
            ]
        )
        #expect(state.pingTimerFired() == [])
        #expect(state.pongDeadlinePassed() == [.dropTransport])
        #expect(
            state.transportClosed(error: nil) == [
                .reportClosure(
                    WebSocketClosure(code: nil, reason: "", wasClean: false, error: .pongTimedOut)
                )
            ]
        )
    }

    @Test func pongCancelsTheDeadline() {
        var state = clientState()
        _ = state.pingTimerFired()
        #expect(
            state.receive(WebSocketFrame(opcode: .pong)) == [.cancelPongDeadline, .deliverPong([])]
        )
        #expect(state.pongDeadlinePassed() == [])
        #expect(
            state.pingTimerFired() == [
                .sendFrame(WebSocketFrame(opcode: .ping)), .startPongDeadline,
            ]
        )
    }

    @Test func transportLossWhileOpenIsReportedAsUnclean() {
        var state = clientState()
        guard case .reportClosure(let closure) = state.transportClosed(error: nil).first else {
            Issue.record("no closure")
            return
        }
        #expect(closure.code == nil && !closure.wasClean)
        if case .connectionLost = closure.error {
        } else {
            Issue.record("error \(String(describing: closure.error))")
        }
    }

    @Test func closeWithAnUnsendableCodeSendsAnEmptyCloseFrame() {
        var state = clientState()
        #expect(
            state.closeRequested(code: .abnormalClosure, reason: "x").first
                == .sendFrame(WebSocketFrame(opcode: .close))
        )
    }

    @Test func sendsAreDroppedAfterClose() {
        var state = clientState()
        #expect(
            state.sendRequested(.text([0x41])) == [
                .sendFrame(WebSocketFrame(opcode: .text, payload: [0x41]))
            ]
        )
        _ = state.closeRequested(code: .normalClosure, reason: "")
        #expect(state.sendRequested(.binary([1])) == [])
        #expect(state.closeRequested(code: .normalClosure, reason: "") == [])
    }
}
