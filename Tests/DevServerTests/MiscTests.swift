// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import DevServer
import Foundation
import JSON
import Logging
import SocketIO
import Testing

@testable import DevServer

@Suite struct MiscTests {
    @Test func timestampsFormatLikeGo() {
        let time = Timestamp(microseconds: 1_796_312_057_045_921)
        #expect(time.rfc3339Seconds == "2026-12-03T15:34:17Z")
        #expect(time.rfc3339Fractional == "2026-12-03T15:34:17.045921Z")
        #expect(
            Timestamp(microseconds: 1_796_312_057_500_000).rfc3339Fractional
                == "2026-12-03T15:34:17.5Z"
        )
        #expect(Timestamp(microseconds: 0).rfc3339Fractional == "1970-01-01T00:00:00Z")
    }

    @Test func goSerializationEscapesHTMLCharacters() {
        let value: JSONValue = ["s": "<a href='x'>&\u{2028}é</a>"]
        #expect(
            String(decoding: GoEncoding.goSerialized(value), as: UTF8.self)
                == #"{"s":"\u003ca href='x'\u003e\u0026\u2028é\u003c/a\u003e"}"#
        )
    }

    @Test func mentionCandidatesFollowTheServersPattern() {
        #expect(
            ChatStore.mentionCandidates(in: "hi @bob, @team-1 @ @x_y!@z") == [
                "bob", "team-1", "x_y", "z",
            ]
        )
        #expect(ChatStore.mentionCandidates(in: "mail a@b.c") == ["b"])
    }

    @Test func commandLineParsesUsersAndReportsBadLines() throws {
        let options = try DevServerOptions.parse([
            "--listen", "0.0.0.0:0", "--user", "bot:k1:service", "--presence-timeout", "2.5",
            "--outbound-limit", "8", "--fault-control", "--log-level", "debug",
        ])
        #expect(options.configuration.listenHost == "0.0.0.0")
        #expect(options.configuration.port == 0)
        #expect(options.configuration.users == [DevUser(name: "bot", apiKey: "k1", type: .service)])
        #expect(options.configuration.presenceTimeout == .milliseconds(2500))
        #expect(options.configuration.outboundFrameLimit == 8)
        #expect(options.configuration.enablesFaultControl)
        #expect(options.logLevel == .debug)
        let defaults = try DevServerOptions.parse([])
        #expect(defaults.usesDemoUsers && defaults.configuration.port == 16000)
        #expect(throws: DevServerOptionsError.invalidValue("--user", "x")) {
            try DevServerOptions.parse(["--user", "x"])
        }
        #expect(throws: DevServerOptionsError.unknownArgument("--nope")) {
            try DevServerOptions.parse(["--nope"])
        }
        let users = try DevServerOptions.parseUsersFile(
            "# team\nalice a-key\n\n bot  b-key service # the bot\n",
            path: "u.txt"
        )
        #expect(users.map(\.name) == ["alice", "bot"])
        #expect(
            throws: DevServerOptionsError.badUsersFileLine(
                "u.txt",
                2,
                "type must be user, agent or service"
            )
        ) {
            try DevServerOptions.parseUsersFile("a k\nb k robot\n", path: "u.txt")
        }
        #expect(
            throws: DevServerOptionsError.badUsersFileLine("u.txt", 1, "expected: name key [type]")
        ) {
            try DevServerOptions.parseUsersFile("lonely\n", path: "u.txt")
        }
    }
}
