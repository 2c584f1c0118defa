// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import Relay

private func encode(_ push: String, seq: UInt64) -> String {
    String(decoding: EventEncoding.line(splicing: seq, into: Array(push.utf8)), as: UTF8.self)
}

@Suite struct EventEncodingTests {
    @Test func splicesSeqBeforeTheClosingBraceKeepingServerBytes() {
        let push = #"{"type":"message.new","d":{"id":1,"body":"a}b"}}"#
        #expect(
            encode(push, seq: 7) == #"{"type":"message.new","d":{"id":1,"body":"a}b"},"seq":7}"#
                + "\n"
        )
    }

    @Test func handlesTrailingWhitespaceAndEmptyObjects() {
        #expect(encode("{\"type\":\"x\"} \n", seq: 1) == "{\"type\":\"x\",\"seq\":1}\n")
        #expect(encode("{ }", seq: 2) == "{ \"seq\":2}\n")
    }

    @Test func keepsEachEventOnOneLine() {
        #expect(encode("{\"type\":\r\n\"x\"\n}", seq: 3) == "{\"type\":  \"x\" ,\"seq\":3}\n")
    }
}
