// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import DevServer
import Foundation
import JSON
import TestSupport
import Testing

@testable import SharkfinClient

/// The REST client against the DevServer's REST API.
@Suite(.timeLimit(.minutes(1))) struct RESTIntegrationTests {
    @Test func registerChannelsAndJoin() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try harness.client("alice").rest
        #expect(alice.baseURL.absoluteString == "http://127.0.0.1:\(harness.port)")
        let identity = try await alice.register()
        #expect(identity.username == "alice")
        #expect(identity.role == "admin")
        let created = try await alice.createChannel(name: "rest-room", isPublic: true)
        #expect(created.name == "rest-room")
        #expect(created.isPublic)
        let bob = try harness.client("bob").rest
        try await bob.joinChannel("rest-room")
        let channels = try await bob.listChannels()
        let room = try #require(channels.first { $0.name == "rest-room" })
        #expect(room.id == created.id)
        #expect(room.isMember == true)
        let missing = await expectSharkfinError { try await bob.joinChannel("no-such") }
        #expect(missing?.isNotFound == true)
        await harness.stop()
    }

    @Test func messagesCarryMetadataAsObjectsAndBypassWebSocketPushes() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice")
        try await alice.channelCreate(name: "room", isPublic: true)
        let aliceEvents = EventLog(alice)
        let sent = try await alice.rest.sendMessage(
            channel: "room",
            body: "via REST",
            metadata: ["src": "rest"]
        )
        #expect(sent.body == "via REST")
        #expect(sent.metadata == .object(["src": "rest"]))
        #expect(sent.sentDate != nil)
        let listed = try await alice.rest.listMessages(channel: "room", limit: 5)
        #expect(listed.map(\.id) == [sent.id])
        #expect(listed[0].from == "alice")
        #expect(listed[0].metadata == .object(["src": "rest"]))
        // The same message over /ws: metadata is JSON text there.
        let history = try await alice.history(channel: "room")
        #expect(history.map(\.id) == [sent.id])
        #expect(history[0].metadata.map { try? JSONValue(parsing: $0) } == .object(["src": "rest"]))
        // No message.new on /ws for a REST post (a ping round trip orders the check).
        try await alice.ping()
        #expect(!aliceEvents.all.contains { $0.messageNew != nil })
        let empty = await expectSharkfinError {
            _ = try await alice.rest.sendMessage(channel: "room", body: "")
        }
        #expect(empty?.isBadRequest == true)
        guard case .http(_, let body)? = empty else {
            Issue.record("expected an HTTP error")
            return
        }
        #expect(body == "body is required")
        let after = try await alice.rest.listMessages(channel: "room", after: sent.id)
        #expect(after.isEmpty)
        await alice.close()
        await harness.stop()
    }

    @Test func webhooksRegisterListDelete() async throws {
        let harness = try await DevServerHarness.start()
        let bot = try harness.client("bot").rest
        #expect(try await bot.listWebhooks().isEmpty)
        let hook = try await bot.registerWebhook(url: "http://127.0.0.1:9/hook")
        #expect(hook.url == "http://127.0.0.1:9/hook")
        #expect(hook.isActive)
        #expect(try await bot.listWebhooks() == [hook])
        try await bot.deleteWebhook(id: hook.id)
        #expect(try await bot.listWebhooks().isEmpty)
        await harness.stop()
    }

    @Test func wrongKeyIsUnauthorized() async throws {
        let harness = try await DevServerHarness.start()
        let rest = try harness.client("alice", key: "wrong-key").rest
        let error = await expectSharkfinError { _ = try await rest.listChannels() }
        #expect(error?.isUnauthorized == true)
        await harness.stop()
    }
}
