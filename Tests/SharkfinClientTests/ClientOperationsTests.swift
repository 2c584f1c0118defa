// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import DevServer
import JSON
import TestSupport
import Testing

@testable import SharkfinClient

/// Every WebSocket operation and push, through the typed client, against the DevServer.
@Suite(.timeLimit(.minutes(1))) struct ClientOperationsTests {
    @Test func infoOperationsAnswer() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice")
        let bob = try await harness.connected("bob")
        try await alice.ping()
        #expect(try await alice.version() == "devserver")
        #expect(try await alice.capabilities().allows("manage_roles"))
        let bobs = try await bob.capabilities()
        #expect(bobs.allows("send_message"))
        #expect(!bobs.allows("create_channel"))
        let users = try await alice.userList()
        #expect(Set(users.map(\.username)).isSuperset(of: ["alice", "bob"]))
        await alice.close()
        await bob.close()
        await harness.stop()
    }

    @Test func setStatePushesPresenceToOthers() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice")
        let aliceEvents = EventLog(alice)
        let bob = try await harness.connected("bob")
        let online = try await aliceEvents.first("bob online") { event in
            event.presence.flatMap { $0.username == "bob" && $0.isOnline ? $0 : nil }
        }
        #expect(online.state == "idle")
        try await bob.setState(.active)
        try await aliceEvents.first("bob active") { $0.presence?.state == "active" ? true : nil }
        await bob.close()
        try await aliceEvents.first("bob offline") { event in
            event.presence.flatMap { $0.username == "bob" && !$0.isOnline ? true : nil }
        }
        await alice.close()
        await harness.stop()
    }

    @Test func channelOperationsAndTheirErrors() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice")
        let bob = try await harness.connected("bob")
        let denied = await expectSharkfinError {
            try await bob.channelCreate(name: "nope", isPublic: true)
        }
        #expect(denied?.serverMessage == "permission denied: create_channel")
        #expect(try await alice.channelCreate(name: "pub", isPublic: true) == "pub")
        // Identities exist once they have connected: bob has, carol has not.
        try await alice.channelCreate(name: "priv", isPublic: false, members: ["bob"])
        let unknown = await expectSharkfinError {
            try await alice.channelCreate(name: "x", isPublic: false, members: ["carol"])
        }
        #expect(unknown?.serverMessage != nil)
        try await bob.channelJoin("pub")
        let again = await expectSharkfinError { try await bob.channelJoin("pub") }
        #expect(again?.serverMessage == "already a member")
        try await alice.channelCreate(name: "secret", isPublic: false)
        #expect(
            try await bob.channelList().contains(
                Channel(name: "secret", isPublic: false, isMember: false)
            )
        )
        try await alice.channelInvite(channel: "secret", username: "bob")
        let channels = try await bob.channelList()
        #expect(channels.contains(Channel(name: "pub", isPublic: true, isMember: true)))
        #expect(channels.contains(Channel(name: "priv", isPublic: false, isMember: true)))
        #expect(channels.contains(Channel(name: "secret", isPublic: false, isMember: true)))
        await alice.close()
        await bob.close()
        await harness.stop()
    }

    @Test func messagesHistoryUnreadAndMarkRead() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice")
        let bob = try await harness.connected("bob")
        let bobEvents = EventLog(bob)
        try await alice.channelCreate(name: "room", isPublic: true)
        try await bob.channelJoin("room")
        let first = try await alice.sendMessage(channel: "room", body: "hello @bob")
        let pushed = try await bobEvents.first("message.new") { $0.messageNew }
        #expect(pushed.id == first)
        #expect(pushed.from == "alice")
        #expect(pushed.mentions == ["bob"])
        #expect(pushed.channelType == "channel")
        #expect(pushed.sentDate != nil)
        let second = try await alice.sendMessage(
            channel: "room",
            body: "threaded",
            threadID: first,
            metadata: #"{"k": 1}"#
        )
        let third = try await alice.sendMessage(channel: "room", body: "third")
        let history = try await bob.history(channel: "room")
        #expect(history.map(\.id) == [first, second, third])
        #expect(history[1].threadID == first)
        #expect(history[1].metadata == #"{"k": 1}"#)
        #expect(try await bob.history(channel: "room", limit: 1).map(\.id) == [third])
        #expect(try await bob.history(channel: "room", after: first).map(\.id) == [second, third])
        #expect(try await bob.history(channel: "room", before: third).map(\.id) == [first, second])
        #expect(try await bob.history(channel: "room", threadID: first).map(\.id) == [second])

        let counts = try await bob.unreadCounts()
        #expect(
            counts == [
                UnreadCount(channel: "room", type: "channel", unreadCount: 3, mentionCount: 1)
            ]
        )
        let mentions = try await bob.unreadMessages(channel: "room", mentionsOnly: true)
        #expect(mentions.map(\.body) == ["hello @bob"])
        let unread = try await bob.unreadMessages(channel: "room")
        #expect(unread.map(\.body) == ["hello @bob", "threaded", "third"])
        #expect(try await bob.unreadMessages(channel: "room").isEmpty)
        #expect(try await bob.unreadCounts().isEmpty)

        let fourth = try await alice.sendMessage(channel: "room", body: "fourth")
        let fifth = try await alice.sendMessage(channel: "room", body: "fifth")
        try await bob.markRead(channel: "room", messageID: fourth)
        #expect(try await bob.unreadCounts().first?.unreadCount == 1)
        try await bob.markRead(channel: "room")
        #expect(try await bob.unreadCounts().isEmpty)
        #expect(fifth > fourth)
        await alice.close()
        await bob.close()
        await harness.stop()
    }

    @Test func directMessages() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice")
        let bob = try await harness.connected("bob")
        let bobEvents = EventLog(bob)
        let opened = try await alice.dmOpen(username: "bob")
        #expect(opened.participant == "bob")
        #expect(opened.created)
        #expect(try await alice.dmOpen(username: "bob").created == false)
        let selfDM = await expectSharkfinError { _ = try await alice.dmOpen(username: "alice") }
        #expect(selfDM?.serverMessage == "cannot open DM with yourself")
        #expect(
            try await bob.dmList() == [
                DirectMessageChannel(channel: opened.channel, participant: "alice")
            ]
        )
        try await alice.sendMessage(channel: opened.channel, body: "psst")
        let pushed = try await bobEvents.first("DM push") { $0.messageNew }
        #expect(pushed.isDirectMessage)
        await alice.close()
        await bob.close()
        await harness.stop()
    }

    @Test func settingsNeedManageRoles() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice")
        let bob = try await harness.connected("bob")
        #expect(try await alice.getSettings().values.isEmpty)
        try await alice.setSetting(key: "motd", value: "hi")
        #expect(try await alice.getSettings()["motd"] == "hi")
        let denied = await expectSharkfinError { _ = try await bob.getSettings() }
        #expect(denied?.serverMessage == "permission denied: manage_roles")
        let deniedSet = await expectSharkfinError {
            try await bob.setSetting(key: "motd", value: "x")
        }
        #expect(deniedSet?.serverMessage == "permission denied: manage_roles")
        await alice.close()
        await bob.close()
        await harness.stop()
    }

    @Test func mentionGroups() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice")
        let bob = try await harness.connected("bob")
        let created = try await alice.mentionGroupCreate(slug: "team")
        #expect(created.slug == "team")
        try await alice.mentionGroupAddMember(slug: "team", username: "bob")
        let notCreator = await expectSharkfinError {
            try await bob.mentionGroupAddMember(slug: "team", username: "carol")
        }
        #expect(notCreator?.serverMessage == "only the group creator can manage members")
        let fetched = try await bob.mentionGroupGet(slug: "team")
        #expect(fetched.id == created.id)
        #expect(fetched.createdBy == "alice")
        #expect(fetched.members == ["bob"])
        #expect(try await bob.mentionGroupList().map(\.slug) == ["team"])
        try await alice.mentionGroupRemoveMember(slug: "team", username: "bob")
        #expect(try await alice.mentionGroupGet(slug: "team").members.isEmpty)
        try await alice.mentionGroupDelete(slug: "team")
        let gone = await expectSharkfinError { _ = try await alice.mentionGroupGet(slug: "team") }
        #expect(gone?.serverMessage == "mention group not found: team")
        #expect(try await alice.mentionGroupList().isEmpty)
        await alice.close()
        await bob.close()
        await harness.stop()
    }

    @Test func rawRequestPassesUnknownOperationsThrough() async throws {
        let harness = try await DevServerHarness.start()
        let alice = try await harness.connected("alice")
        let unknown = try await alice.request(Envelope(type: "bogus_op", ref: "mine"))
        #expect(unknown.isError)
        #expect(unknown.errorMessage == "unknown type: bogus_op")
        #expect(unknown.ref?.hasPrefix("r") == true)
        let version = try await alice.request(Envelope(type: "version"), timeout: .seconds(2))
        #expect(version.type == "reply")
        #expect(version.data?["version"]?.stringValue == "devserver")
        await alice.close()
        await harness.stop()
    }
}
