// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Testing

@testable import Relay

private func parse(_ text: String) -> Result<ClientRequest, ClientLineError> {
    ClientRequest.parse(Array(text.utf8))
}

private func code(_ text: String) -> RelayErrorCode? {
    if case .failure(let error) = parse(text) { return error.code }
    return nil
}

@Suite struct ClientRequestTests {
    @Test func acceptsAnEnvelopeAndKeepsItWhole() throws {
        let request = try parse(#"{"type":"send_message","ref":"a1","d":{"x":1}}"#).get()
        #expect(request.type == "send_message" && request.ref == "a1")
        #expect(!request.isRelayOperation)
        #expect(request.object.keys == ["type", "ref", "d"])
    }

    @Test func acceptsARequestWithoutRef() throws {
        let request = try parse(#"{"type":"relay.status"}"#).get()
        #expect(request.ref == nil && request.isRelayOperation)
    }

    @Test func namesEachKindOfBadLine() {
        #expect(ClientRequest.parse([0xC3, 0x28]).failureCode == .invalidUTF8)
        #expect(code("{\"type\":") == .invalidJSON)
        #expect(code("null") == .notAnObject)
        #expect(code(#"{"type":"ping","ref":null}"#) == .invalidRef)
        #expect(code(#"{"type":null}"#) == .invalidType)
        #expect(code(#"{"d":{}}"#) == .invalidType)
    }

    @Test func keepsTheRefOnATypeError() {
        guard case .failure(let error) = parse(#"{"ref":"k"}"#) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.ref == "k")
    }

    @Test func subscribeArgumentsDefaultToEverything() throws {
        #expect(
            try SubscribeArguments.parse(nil).get()
                == SubscribeArguments(filter: .everything, since: nil)
        )
        #expect(try SubscribeArguments.parse(.null).get().filter == .everything)
    }

    @Test func subscribeArgumentsReadFiltersAndSince() throws {
        let text = #"{"types":["presence"],"channels":null,"since":7}"#
        let value = try JSONValue(parsing: Array(text.utf8))
        let arguments = try SubscribeArguments.parse(value).get()
        #expect(arguments.filter.types == ["presence"] && arguments.filter.channels == nil)
        #expect(arguments.since == 7)
    }

    @Test func subscribeArgumentsRefuseWhatTheyDoNotUnderstand() throws {
        for text in [
            #"[]"#, #"{"type":["x"]}"#, #"{"types":"x"}"#, #"{"types":[1]}"#,
            #"{"since":-1}"#, #"{"since":1.5}"#, #"{"since":"3"}"#,
        ] {
            let value = try JSONValue(parsing: Array(text.utf8))
            #expect(throws: InvalidArguments.self, "\(text)") {
                try SubscribeArguments.parse(value).get()
            }
        }
    }

    @Test func filterAppliesChannelsOnlyToEventsWithAChannel() {
        let filter = SubscriptionFilter(types: nil, channels: ["ops"])
        #expect(filter.matches(type: "message.new", channel: "ops"))
        #expect(!filter.matches(type: "message.new", channel: "general"))
        #expect(filter.matches(type: "presence", channel: nil))
        let types = SubscriptionFilter(types: ["presence"], channels: nil)
        #expect(!types.matches(type: "message.new", channel: "ops"))
    }

    @Test func errorLinesUseTheSharkfinErrorShape() {
        let line = String(decoding: RelayMessages.error(.timeout, "late", ref: "q"), as: UTF8.self)
        let expected =
            #"{"type":"error","d":{"message":"late","code":"relay.timeout"},"#
            + #""ref":"q","ok":false}"# + "\n"
        #expect(line == expected)
        let refless = String(
            decoding: RelayMessages.error(.invalidJSON, "x", ref: nil),
            as: UTF8.self
        )
        #expect(!refless.contains("\"ref\""))
    }

    @Test func restoringRefRewritesOnlyTheRef() throws {
        let text = #"{"type":"reply","d":{"n":1e3},"ref":"r9","ok":true}"#
        let reply = try JSONObject(parsing: Array(text.utf8))
        #expect(
            String(decoding: RelayMessages.restoringRef("mine", in: reply), as: UTF8.self)
                == #"{"type":"reply","d":{"n":1e3},"ref":"mine","ok":true}"# + "\n"
        )
        #expect(
            String(decoding: RelayMessages.restoringRef(nil, in: reply), as: UTF8.self)
                == #"{"type":"reply","d":{"n":1e3},"ok":true}"# + "\n"
        )
    }
}

extension Result where Success == ClientRequest, Failure == ClientLineError {
    fileprivate var failureCode: RelayErrorCode? {
        if case .failure(let error) = self { return error.code }
        return nil
    }
}
