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

    @Test func aClientThatNeverPongsIsCutWithoutACloseFrame() async throws {
        try await ServerHarness.with(.init(presenceTimeout: .milliseconds(600))) { harness in
            let mute = try await harness.connect("bob", answersPings: false)
            var events: [TestWebSocketClient.Event] = []
            while events.last != .ended {
                mute.send(#"{"type":"ping","ref":"k"}"#)
                guard let event = await mute.nextOrNil(timeout: .seconds(5)) else { break }
                events.append(event)
            }
            #expect(events.last == .ended)
            #expect(!events.contains { if case .close = $0 { true } else { false } })
            #expect(events.contains(.ping))
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
