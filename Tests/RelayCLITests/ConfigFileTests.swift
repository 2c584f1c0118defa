// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import TestSupport
import Testing

@testable import RelayCLI

@Suite struct ConfigFileTests {
    let path = "/etc/sharkfin-relay/config"

    func parse(_ text: String) throws(ConfigurationError) -> ConfigFile {
        try ConfigFile.parse(text, path: path, options: ServeOptions.settingOptions)
    }

    /// The error a text raises, as its description.
    func failure(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func parsesCommentsBlankLinesQuotesAndInlineComments() throws {
        let file = try parse(
            """
            # a comment
               # an indented comment

            url = "wss://chat.example.org/ws#not-a-comment"   # trailing comment
            socket=/tmp/a#b
            log-level =   debug  # quiet down later\r
            ca-file = "/etc/ssl/with \\"quotes\\" and \\\\ slash"
            read-only-socket = ""
            """
        )
        #expect(
            file.entries == [
                .init(key: "url", value: "wss://chat.example.org/ws#not-a-comment", line: 4),
                .init(key: "socket", value: "/tmp/a#b", line: 5),
                .init(key: "log-level", value: "debug", line: 6),
                .init(key: "ca-file", value: "/etc/ssl/with \"quotes\" and \\ slash", line: 7),
                .init(key: "read-only-socket", value: "", line: 8),
            ]
        )
    }

    @Test func repeatableKeysMayRepeatAndOthersMayNot() throws {
        let file = try parse("allow-uid = 1000\nallow-uid = 1001, 1002\nallow-gid = 5\n")
        #expect(file.entries(for: "allow-uid").map(\.value) == ["1000", "1001, 1002"])
        #expect(
            failure("max-clients = 5\n\n# again\nmax-clients = 6\n")
                == "\(path):4: 'max-clients' is already set on line 1"
                + " (only allow-uid and allow-gid may repeat)"
        )
    }

    @Test func unknownKeysNameFileLineAndNearestKey() {
        #expect(
            failure("\n\n\n\n\n\nmax-client = 5\n")
                == "\(path):7: unknown key 'max-client' (did you mean 'max-clients'?)"
        )
        #expect(failure("colour = blue") == "\(path):1: unknown key 'colour'")
        #expect(failure("config = /x") == "\(path):1: unknown key 'config'")
        #expect(
            failure("log_level = info")
                == "\(path):1: 'log_level' is not a key (keys are option names such as max-clients)"
        )
    }

    @Test func malformedLinesNameFileAndLine() {
        #expect(failure("url\n") == "\(path):1: expected 'key = value', got 'url'")
        #expect(
            failure("# ok\n = 5")
                == "\(path):2: '' is not a key (keys are option names such as max-clients)"
        )
        #expect(failure("url = \"wss://x/ws") == "\(path):1: the quoted value is not closed")
        #expect(
            failure("url = \"wss://x/ws\" extra")
                == "\(path):1: unexpected 'extra' after the closing quote"
        )
        #expect(
            failure("url = \"wss://x/\\n\"")
                == "\(path):1: only \\\" and \\\\ may be escaped in a quoted value"
        )
    }

    @Test func apiKeyInTheFileIsRefusedWithAPointerToApiKeyFile() {
        let message = failure("url = ws://a/ws\napi-key = hunter2\n")
        #expect(message?.hasPrefix("\(path):2: api-key is refused: ") == true)
        #expect(message?.contains("api-key-file") == true)
        #expect(message?.contains("hunter2") == false)
    }

    @Test func defaultFileMayBeAbsentButANamedOneMustExist() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let missing = directory.file("nope/config")
        let options = ServeOptions.settingOptions
        #expect(
            try ConfigFile.load(
                path: missing,
                isRequired: false,
                source: .defaultValue,
                options: options
            ) == nil
        )
        #expect(throws: ConfigurationError.self) {
            try ConfigFile.load(
                path: missing,
                isRequired: true,
                source: .flag(name: "config"),
                options: options
            )
        }
        #expect(
            throws: ConfigurationError.unreadableConfigFile(
                path: directory.path,
                source: .defaultValue,
                reason: "it is a directory"
            )
        ) {
            try ConfigFile.load(
                path: directory.path,
                isRequired: false,
                source: .defaultValue,
                options: options
            )
        }
    }

    @Test func defaultPathIsEtcForRootAndXDGForUsers() {
        let environment = ["XDG_CONFIG_HOME": "/home/a/.cfg", "HOME": "/home/a"]
        #expect(
            ConfigFile.defaultPath(environment: environment, userID: 0)
                == "/etc/sharkfin-relay/config"
        )
        #expect(
            ConfigFile.defaultPath(environment: environment, userID: 1000)
                == "/home/a/.cfg/sharkfin-relay/config"
        )
        #expect(
            ConfigFile.defaultPath(environment: ["HOME": "/home/a"], userID: 1000)
                == "/home/a/.config/sharkfin-relay/config"
        )
        // systemd's DynamicUser= runs without a home: the system file applies.
        #expect(
            ConfigFile.defaultPath(environment: ["HOME": "/"], userID: 61000)
                == "/etc/sharkfin-relay/config"
        )
    }

    @Test func nearestNameToleratesSmallTyposOnly() {
        let names = ServeOptions.settingOptions.map(\.name)
        #expect(nearestName(to: "reconect-max", among: names) == "reconnect-max")
        #expect(nearestName(to: "sockets", among: names) == "socket")
        #expect(nearestName(to: "banana", among: names) == nil)
    }
}
