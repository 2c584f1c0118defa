// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import DevServer
import Foundation
import JSON
import Testing

/// Fault injection, keepalive and persistence over real sockets.
@Suite struct FaultTests {
    @Test func droppedConnectionsEndWithoutACloseFrame() async throws {
        try await ServerHarness.with { harness in
            let alice = try await harness.connect("alice")
            let bob = try await harness.connect("bob")
            _ = try await alice.nextText()  // bob online
            try await harness.server.faults.dropConnections(user: "bob")
            #expect(try await bob.next() == .ended)
            #expect(
                try await alice.nextText()
                    == #"{"type":"presence","d":{"status":"offline","username":"bob"}}"#
            )
            try await harness.server.faults.dropConnections()
            #expect(try await alice.next() == .ended)
        }
    }

    @Test func stalledRepliesAreHeldThenReleasedInOrder() async throws {
        try await ServerHarness.with { harness in
            let alice = try await harness.connect("alice")
            try await harness.server.faults.stallReplies(true)
            alice.send(#"{"type":"ping","ref":"1"}"#)
            alice.send(#"{"type":"ping","ref":"2"}"#)
            #expect(await alice.textOrNil(within: .milliseconds(300)) == nil)
            try await harness.server.faults.stallReplies(false)
            #expect(try await alice.nextText() == #"{"type":"pong","ref":"1","ok":true}"#)
            #expect(try await alice.nextText() == #"{"type":"pong","ref":"2","ok":true}"#)
        }
    }

    @Test func refusalsCloseAfterAcceptOrAnswer503() async throws {
        try await ServerHarness.with { harness in
            try await harness.server.faults.refuseConnections(.serviceUnavailable)
            await #expect {
                _ = try await harness.connect("alice")
            } throws: { ($0 as? TestWebSocketClient.HandshakeRefused)?.status == 503 }
            try await harness.server.faults.refuseConnections(.closeAfterAccept)
            await #expect(throws: TestWebSocketClient.HandshakeRefused.self) {
                _ = try await harness.connect("alice")
            }
            try await harness.server.faults.refuseConnections(.none)
            let alice = try await harness.connect("alice")
            #expect(try await alice.request(#"{"type":"ping","ref":"p"}"#, ref: "p")["ok"] == true)
        }
    }

    @Test func restartDropsEverythingAndKeepsDataAndPort() async throws {
        try await ServerHarness.with { harness in
            let alice = try await harness.connect("alice")
            _ = try await alice.request(
                #"{"type":"send_message","ref":"s","d":{"channel":"general","body":"x"}}"#,
                ref: "s"
            )  // not a member: an error, but provisioning happened
            _ = try await alice.request(
                #"{"type":"channel_join","ref":"j","d":{"channel":"general"}}"#,
                ref: "j"
            )
            let first = try await alice.request(
                #"{"type":"send_message","ref":"s","d":{"channel":"general","body":"one"}}"#,
                ref: "s"
            )
            #expect(first["d"]?["id"] == 1)
            #expect(try await alice.nextJSON()["type"] == "message.new")
            try await harness.server.faults.restart()
            #expect(try await alice.next() == .ended)
            #expect(await harness.server.port == harness.port)
            let again = try await harness.connect("alice")
            let second = try await again.request(
                #"{"type":"send_message","ref":"t","d":{"channel":"general","body":"two"}}"#,
                ref: "t"
            )
            #expect(second["d"]?["id"] == 2)
        }
    }

    @Test func faultControlOverHTTPWorksOnlyWhenEnabled() async throws {
        try await ServerHarness.with(.init(enablesFaultControl: true)) { harness in
            let bob = try await harness.connect("bob")
            let answer = try await harness.http(
                "POST",
                "/_dev/faults",
                body: #"{"action":"drop","user":"bob"}"#
            )
            #expect(answer.status == 200)
            #expect(try await bob.next() == .ended)
            let bad = try await harness.http("POST", "/_dev/faults", body: #"{"action":"nap"}"#)
            #expect(bad.status == 400)
        }
        try await ServerHarness.with { harness in
            let answer = try await harness.http("POST", "/_dev/faults", body: #"{"action":"drop"}"#)
            #expect(answer.status == 404)
        }
    }

    @Test func aClientThatAnswersPingsOutlivesThePresenceTimeout() async throws {
        try await ServerHarness.with(.init(presenceTimeout: .milliseconds(600))) { harness in
            let carol = try await harness.connect("alice")
            var pings = 0
            let start = ContinuousClock.now
            while ContinuousClock.now - start < .milliseconds(1_800) {
                switch await carol.nextOrNil(timeout: .milliseconds(200)) {
                case .ping?: pings += 1
                case nil: continue
                case let other?: Issue.record("unexpected \(other)")
                }
            }
            #expect(pings >= 2)
            #expect(try await carol.request(#"{"type":"ping","ref":"p"}"#, ref: "p")["ok"] == true)
        }
    }

    /// A raw-socket client that upgrades, never answers a ping, reads until the server
    /// ends the connection and prints the opcodes of the frames it got.
    static let muteClient = #"""
        import socket, sys
        port, key = int(sys.argv[1]), sys.argv[2]
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   f"Authorization: ApiKey-v1 {key}\r\n\r\n").encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        print("STATUS", head.split(b" ")[1].decode())
        opcodes = []
        while len(rest) >= 2:
            length, offset = rest[1] & 0x7F, 2
            if length == 126:
                length, offset = int.from_bytes(rest[2:4], "big"), 4
            elif length == 127:
                length, offset = int.from_bytes(rest[2:10], "big"), 10
            opcodes.append(rest[0] & 0x0F)
            rest = rest[offset + length:]
        print("OPCODES", " ".join(map(str, opcodes)))
        """#

    @Test func aClientThatNeverPongsIsCutWithoutACloseFrame() async throws {
        try await ServerHarness.with(.init(presenceTimeout: .milliseconds(600))) { harness in
            let result = try await PythonRunner.run(
                script: Self.muteClient,
                arguments: ["\(harness.port)", "bob-key"],
                timeout: .seconds(20)
            )
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("STATUS 101"), "\(result.output)")
            let opcodes =
                result.output.split(separator: "\n")
                .first { $0.hasPrefix("OPCODES") }?
                .split(separator: " ").dropFirst() ?? []
            #expect(opcodes.contains("9"), "pings: \(opcodes)")
            #expect(!opcodes.contains("8"), "no close frame: \(opcodes)")
        }
    }

    @Test func stateFileKeepsDataAndIdsAcrossServers() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("devserver-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.json").path
        let configuration = DevServer.Configuration(stateFile: path)
        try await ServerHarness.with(configuration) { harness in
            let alice = try await harness.connect("alice")
            _ = try await alice.request(
                #"{"type":"channel_create","ref":"c","d":{"name":"kept","public":true}}"#,
                ref: "c"
            )
            let sent = try await alice.request(
                #"{"type":"send_message","ref":"s","d":{"channel":"kept","body":"persisted"}}"#,
                ref: "s"
            )
            #expect(sent["d"]?["id"] == 1)
        }
        #expect(FileManager.default.fileExists(atPath: path))
        try await ServerHarness.with(configuration) { harness in
            let bob = try await harness.connect("bob")
            let caps = try await bob.request(#"{"type":"capabilities","ref":"c"}"#, ref: "c")
            #expect(caps["d"]?["permissions"]?.arrayValue?.contains("manage_roles") == false)
            _ = try await bob.request(
                #"{"type":"channel_join","ref":"j","d":{"channel":"kept"}}"#,
                ref: "j"
            )
            let history = try await bob.request(
                #"{"type":"history","ref":"h","d":{"channel":"kept"}}"#,
                ref: "h"
            )
            #expect(history["d"]?["messages"]?[0]?["body"] == "persisted")
            let next = try await bob.request(
                #"{"type":"send_message","ref":"s","d":{"channel":"kept","body":"later"}}"#,
                ref: "s"
            )
            #expect(next["d"]?["id"] == 2)
        }
    }
}
