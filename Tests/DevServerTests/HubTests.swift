// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import DevServer
import JSON
import Testing

/// Fan-out over real sockets: push targets, presence, pointers, close handshake.
@Suite struct HubTests {
    @Test func newestConnectionTakesThePushesWhileTheOlderStillGetsReplies() async throws {
        try await ServerHarness.with { harness in
            let alice = try await harness.connect("alice")
            let bobOld = try await harness.connect("bob")
            let bobNew = try await harness.connect("bob")
            _ = try await alice.request(
                #"{"type":"channel_create","ref":"c","d":{"name":"room","members":["bob"]}}"#,
                ref: "c"
            )
            _ = try await alice.request(
                #"{"type":"send_message","ref":"s","d":{"channel":"room","body":"hi"}}"#,
                ref: "s"
            )
            let push = try await bobNew.nextJSON()
            #expect(push["type"] == "message.new")
            #expect(push["d"]?["body"] == "hi")
            #expect(await bobOld.textOrNil(within: .milliseconds(300)) == nil)
            let pong = try await bobOld.request(#"{"type":"ping","ref":"p"}"#, ref: "p")
            #expect(pong["type"] == "pong")
        }
    }

    @Test func presenceGoesToEveryoneButItsSubject() async throws {
        try await ServerHarness.with { harness in
            let alice = try await harness.connect("alice")
            let bob = try await harness.connect("bob")
            #expect(
                try await alice.nextText()
                    == #"{"type":"presence","d":{"state":"idle","status":"online","#
                    + #""username":"bob"}}"#
            )
            _ = try await bob.request(
                #"{"type":"set_state","ref":"s","d":{"state":"active"}}"#,
                ref: "s"
            )
            #expect(
                try await alice.nextText()
                    == #"{"type":"presence","d":{"state":"active","status":"online","#
                    + #""username":"bob"}}"#
            )
            bob.sendClose()
            #expect(try await bob.next() == .close(1000))
            #expect(
                try await alice.nextText()
                    == #"{"type":"presence","d":{"status":"offline","username":"bob"}}"#
            )
        }
    }

    @Test func onlineStatusComesFromPresenceConnectionsOnly() async throws {
        try await ServerHarness.with { harness in
            let alice = try await harness.connect("alice")
            _ = try await harness.connect("bob")
            let before = try await alice.request(#"{"type":"user_list","ref":"u"}"#, ref: "u")
            #expect(before["d"]?["users"]?[1]?["online"] == false)
            _ = try await harness.connect("bob", path: "/presence")
            let after = try await alice.request(#"{"type":"user_list","ref":"v"}"#, ref: "v")
            #expect(
                after["d"]?["users"]?[1]
                    == ["username": "bob", "online": true, "type": "user", "state": "idle"]
            )
        }
    }

    @Test func restMessagesReachPresencePointersButNoWebSocketPushes() async throws {
        try await ServerHarness.with { harness in
            let alice = try await harness.connect("alice")
            let bob = try await harness.connect("bob")
            let bobPresence = try await harness.connect("bob", path: "/presence")
            _ = try await alice.nextText()  // bob online
            let dm = try await alice.request(
                #"{"type":"dm_open","ref":"d","d":{"username":"bob"}}"#,
                ref: "d"
            )
            #expect(dm["d"]?["channel"] == "dm-alice-bob")
            let id = try await harness.server.postMessageViaREST(
                channel: "dm-alice-bob",
                body: "via REST",
                as: "alice",
                metadata: #"{"b":1,"a":2}"#
            )
            #expect(
                try await bobPresence.nextText()
                    == #"{"d":{"channel":"dm-alice-bob","channel_type":"dm","from":"alice","#
                    + #""message_id":\#(id)},"type":"message.new"}"#
            )
            #expect(await bob.textOrNil(within: .milliseconds(300)) == nil)
            #expect(await alice.textOrNil(within: .milliseconds(100)) == nil)
            let history = try await bob.request(
                #"{"type":"history","ref":"h","d":{"channel":"dm-alice-bob"}}"#,
                ref: "h"
            )
            #expect(history["d"]?["messages"]?[0]?["metadata"] == #"{"a":2,"b":1}"#)
        }
    }

    @Test func mentionsPointToTheMentionedButNotToTheSender() async throws {
        try await ServerHarness.with { harness in
            let alice = try await harness.connect("alice")
            let alicePresence = try await harness.connect("alice", path: "/presence")
            let bobPresence = try await harness.connect("bob", path: "/presence")
            _ = try await alice.request(
                #"{"type":"channel_create","ref":"c","d":{"name":"room","public":true}}"#,
                ref: "c"
            )
            _ = try await alice.request(
                #"{"type":"send_message","ref":"s","d":{"channel":"room","body":"@bob @alice"}}"#,
                ref: "s"
            )
            let pointer = try await bobPresence.nextJSON()
            #expect(pointer["d"]?["channel_type"] == "channel")
            #expect(await alicePresence.textOrNil(within: .milliseconds(300)) == nil)
        }
    }

    @Test func clientCloseIsEchoedWithItsCode() async throws {
        try await ServerHarness.with { harness in
            let bob = try await harness.connect("bob")
            bob.sendClose(code: 4001)
            #expect(try await bob.next() == .close(4001))
        }
    }

    @Test func upgradeWithoutCredentialsIsRefusedWithTheServersBodies() async throws {
        try await ServerHarness.with { harness in
            await #expect {
                _ = try await TestWebSocketClient.connect(
                    port: harness.port,
                    apiKey: nil,
                    on: harness.loop
                )
            } throws: { error in
                let refused = error as? TestWebSocketClient.HandshakeRefused
                return refused?.status == 401
                    && refused?.body == "{\"error\":\"auth: missing Authorization header\"}\n"
            }
            await #expect {
                _ = try await TestWebSocketClient.connect(
                    port: harness.port,
                    apiKey: "wrong",
                    on: harness.loop
                )
            } throws: { error in
                (error as? TestWebSocketClient.HandshakeRefused)?.body
                    == "{\"error\":\"auth: invalid token\"}\n"
            }
            let bearer = try await harness.http(
                "GET",
                "/api/v1/channels",
                headers: ["Authorization": "Bearer alice-key"]
            )
            #expect(bearer.status == 401)
            #expect(bearer.body == "{\"error\":\"auth: invalid token\"}\n")
            let lowerCase = try await harness.http(
                "GET",
                "/api/v1/channels",
                headers: ["Authorization": "apikey-v1 alice-key"]
            )
            #expect(lowerCase.status == 401)
        }
    }
}
