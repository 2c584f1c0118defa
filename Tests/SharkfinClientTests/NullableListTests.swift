// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing

@testable import SharkfinClient

@Suite struct NullableListTests {
    let base = #"{"id":1,"from":"a","body":"b","sent_at":"2026-12-03T15:34:16Z""#

    @Test(arguments: ["", #","mentions":null"#, #","mentions":[]"#])
    func absentNullAndEmptyMentionsDecodeAsEmpty(mentions: String) throws {
        let message = try JSONDecoder().decode(
            Message.self,
            from: Data((base + mentions + "}").utf8)
        )
        #expect(message.mentions.isEmpty)
    }

    @Test func mentionsRoundTripAndAnEmptyListIsLeftOut() throws {
        let json = base + #","mentions":["bob"]}"#
        let message = try JSONDecoder().decode(Message.self, from: Data(json.utf8))
        #expect(message.mentions == ["bob"])
        var quiet = message
        quiet.mentions = []
        let encoded = String(decoding: try JSONEncoder().encode(quiet), as: UTF8.self)
        #expect(!encoded.contains("mentions"))
        let again = try JSONDecoder().decode(
            Message.self,
            from: try JSONEncoder().encode(message)
        )
        #expect(again == message)
    }
}
