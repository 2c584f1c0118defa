// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON
import Testing

@testable import SharkfinClient

@Suite struct EnvelopeTests {
    private func parse(_ text: String) throws(EnvelopeError) -> Envelope {
        try Envelope(parsing: Array(text.utf8))
    }

    @Test func replyExposesItsMembers() throws {
        let envelope = try parse(#"{"type":"reply","d":{"id":4},"ref":"a14","ok":true}"#)
        #expect(envelope.type == "reply")
        #expect(envelope.ref == "a14")
        #expect(envelope.ok == true)
        #expect(envelope.data?["id"]?.int64Value == 4)
        #expect(envelope.isReply)
        #expect(!envelope.isPush)
        #expect(!envelope.isError)
        #expect(envelope.errorMessage == nil)
    }

    @Test func errorEnvelopeCarriesTheServerMessage() throws {
        let envelope = try parse(
            #"{"type":"error","d":{"message":"already a member"},"ref":"b6","ok":false}"#
        )
        #expect(envelope.isReply)
        #expect(envelope.isError)
        #expect(envelope.errorMessage == "already a member")
    }

    @Test func reflessErrorLooksLikeAPush() throws {
        let envelope = try parse(#"{"type":"error","d":{"message":"invalid JSON"},"ok":false}"#)
        #expect(envelope.isPush)
        #expect(!envelope.isReply)
        #expect(envelope.errorMessage == "invalid JSON")
    }

    @Test func pongIsAReply() throws {
        let envelope = try parse(#"{"type":"pong","ref":"a2","ok":true}"#)
        #expect(envelope.isReply)
        #expect(envelope.data == nil)
    }

    @Test func nullRefCountsAsAbsent() throws {
        let envelope = try parse(#"{"type":"presence","ref":null,"d":{}}"#)
        #expect(envelope.ref == nil)
        #expect(envelope.isPush)
    }

    @Test func rejectsWhatTheServerCallsInvalid() {
        #expect(throws: EnvelopeError.notAnObject) { try parse("[1,2]") }
        #expect(throws: EnvelopeError.notAnObject) { try parse("null") }
        #expect(throws: EnvelopeError.missingType) { try parse(#"{"ref":"x9"}"#) }
        #expect(throws: EnvelopeError.typeNotString) { try parse(#"{"type":1}"#) }
        #expect(throws: EnvelopeError.refNotString) { try parse(#"{"type":"version","ref":7}"#) }
        do {
            _ = try parse("this is not json")
            Issue.record("parsed non-JSON")
        } catch {
            guard case .invalidJSON = error else {
                Issue.record("unexpected \(error)")
                return
            }
        }
    }

    @Test func builtEnvelopeSerializesTypeRefData() {
        let envelope = Envelope(type: "history", ref: "r1", data: ["channel": "general"])
        let text = String(decoding: envelope.serialized(), as: UTF8.self)
        #expect(text == #"{"type":"history","ref":"r1","d":{"channel":"general"}}"#)
        #expect(Envelope(type: "ping").description == #"{"type":"ping"}"#)
    }

    @Test func settersEditTheObjectInPlace() throws {
        var envelope = try parse(#"{"type":"version","ref":"mine","x":1}"#)
        envelope.ref = "r7"
        envelope.data = ["a": true]
        #expect(envelope.description == #"{"type":"version","ref":"r7","x":1,"d":{"a":true}}"#)
        envelope.ref = nil
        envelope.data = nil
        envelope.ok = false
        #expect(envelope.description == #"{"type":"version","x":1,"ok":false}"#)
    }

    @Test func decodeDataReportsTheShapeProblem() throws {
        let envelope = try parse(#"{"type":"reply","d":{"version":3},"ref":"a1","ok":true}"#)
        #expect {
            try envelope.decodeData(Version.self)
        } throws: { error in
            guard case .invalidResponse = error as? SharkfinError else { return false }
            return true
        }
    }
}

@Suite struct SharkfinErrorTests {
    @Test func httpHelpersFollowTheStatus() {
        #expect(SharkfinError.http(status: 400, body: "body is required").isBadRequest)
        #expect(SharkfinError.http(status: 401, body: "").isUnauthorized)
        #expect(SharkfinError.unauthorized(body: "{}").isUnauthorized)
        #expect(SharkfinError.http(status: 404, body: "channel not found").isNotFound)
        #expect(SharkfinError.http(status: 409, body: "").isConflict)
        #expect(!SharkfinError.server(message: "x").isNotFound)
        #expect(SharkfinError.http(status: 500, body: "").httpStatus == 500)
    }

    @Test func descriptionsNameTheCondition() {
        #expect(
            SharkfinError.http(status: 404, body: "channel not found").description
                == "HTTP 404: channel not found"
        )
        #expect(
            SharkfinError.server(message: "already a member").description
                == "server error: already a member"
        )
        #expect(SharkfinError.timedOut(after: .seconds(2)).description.contains("2"))
        #expect(SharkfinError.server(message: "m").serverMessage == "m")
    }

    @Test func transienceSeparatesRetryableFailures() {
        #expect(SharkfinError.connectionLost(outcomeUnknown: true).isTransient)
        #expect(SharkfinError.timedOut(after: .seconds(1)).isTransient)
        #expect(!SharkfinError.server(message: "x").isTransient)
        #expect(!SharkfinError.unauthorized(body: "").isTransient)
    }
}

@Suite struct RESTBaseURLTests {
    private func derive(_ text: String) -> String? {
        RESTBaseURL.derive(from: URL(string: text)!)?.absoluteString
    }

    @Test func webSocketSchemesMapToHTTP() {
        #expect(derive("ws://127.0.0.1:16000/ws") == "http://127.0.0.1:16000")
        #expect(derive("wss://chat.example/ws") == "https://chat.example")
        #expect(derive("WSS://chat.example/ws") == "https://chat.example")
    }

    @Test func onlyATrailingWSSegmentIsTrimmed() {
        #expect(derive("ws://h:1/sharkfin/ws") == "http://h:1/sharkfin")
        #expect(derive("ws://h:1/ws/") == "http://h:1")
        #expect(derive("ws://h:1/news") == "http://h:1/news")
        #expect(derive("ws://h:1/ws/ws") == "http://h:1/ws")
    }

    @Test func queryAndFragmentAreDropped() {
        #expect(derive("ws://h:1/ws?notifications_only=true") == "http://h:1")
    }

    @Test func httpRootsPassThrough() {
        #expect(derive("http://h:1") == "http://h:1")
        #expect(derive("https://h/") == "https://h")
        #expect(derive("ftp://h/ws") == nil)
    }
}
