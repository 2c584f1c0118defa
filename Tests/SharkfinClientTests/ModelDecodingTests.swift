// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import JSON
import Testing

@testable import SharkfinClient

/// Decodes the `d` of the frame `receiver` got for `ref` in the transcript.
private func decodeReply<T: Decodable>(
    _ type: T.Type,
    to receiver: String,
    ref: String
) throws -> T {
    let frame = try #require(TranscriptFrames.reply(to: receiver, ref: ref))
    let envelope = try Envelope(parsing: Array(frame.utf8))
    #expect(envelope.type == "reply")
    #expect(envelope.ok == true)
    return try envelope.decodeData(type)
}

@Suite struct ModelDecodingTests {
    @Test func everyTranscriptFrameParsesAsAnEnvelope() throws {
        for (_, frame) in TranscriptFrames.all {
            let envelope = try Envelope(parsing: Array(frame.utf8))
            #expect(!envelope.type.isEmpty)
            // Re-serializing keeps the server's bytes: key order and escapes survive.
            #expect(String(decoding: envelope.serialized(), as: UTF8.self) == frame)
        }
    }

    @Test func versionReplyDecodes() throws {
        let version = try decodeReply(Version.self, to: "alice", ref: "a1")
        #expect(version.version == "dev-6e44a7d")
    }

    @Test func capabilitiesReplyDecodes() throws {
        let admin = try decodeReply(Capabilities.self, to: "alice", ref: "a3")
        #expect(admin.allows("manage_roles"))
        let user = try decodeReply(Capabilities.self, to: "bob", ref: "b1")
        #expect(!user.allows("create_channel"))
        #expect(user.permissions.count == 11)
    }

    @Test func userListDecodesWithAndWithoutState() throws {
        let offline = try decodeReply(UsersReply.self, to: "alice", ref: "a4").users
        #expect(offline.count == 6)
        #expect(offline[1] == User(username: "agent1", isOnline: false, type: "agent"))
        let online = try decodeReply(UsersReply.self, to: "alice", ref: "a34").users
        let bob = try #require(online.first { $0.username == "bob" })
        #expect(bob == User(username: "bob", isOnline: true, type: "user", state: "active"))
    }

    @Test func channelListDecodes() throws {
        let channels = try decodeReply(ChannelsReply.self, to: "bob", ref: "b34").channels
        #expect(channels.map(\.name) == ["general", "priv-605077", "smoke-605077", "solo-605077"])
        #expect(channels[1] == Channel(name: "priv-605077", isPublic: false, isMember: false))
        #expect(channels[2].isMember)
    }

    @Test func channelCreateAndSendMessageRepliesDecode() throws {
        #expect(try decodeReply(NameReply.self, to: "alice", ref: "a5").name == "smoke-605077")
        #expect(try decodeReply(IDReply.self, to: "alice", ref: "a9").id == 1)
    }

    @Test func historyDecodesOptionalFields() throws {
        let reply = try decodeReply(HistoryReply.self, to: "bob", ref: "b9")
        #expect(reply.channel == "smoke-605077")
        #expect(reply.messages.map(\.id) == [1, 2, 3])
        let first = reply.messages[0]
        #expect(first.mentions == ["bob"])
        #expect(first.threadID == nil)
        #expect(first.metadata == nil)
        let threaded = reply.messages[1]
        #expect(threaded.threadID == 1)
        #expect(threaded.metadata == #"{"k": 1}"#)
        #expect(threaded.mentions == [])
        #expect(reply.messages[2].body == "")
        let expected = Date(timeIntervalSince1970: 1_796_312_056)
        #expect(first.sentAt == "2026-12-03T15:34:16Z")
        #expect(first.sentDate == expected)
    }

    @Test func unreadMessagesDecodeWithoutIDsAndNullAsEmpty() throws {
        let messages = try decodeReply(UnreadMessagesReply.self, to: "bob", ref: "b17").messages
        #expect(messages.count == 3)
        #expect(messages.allSatisfy { $0.channel == "smoke-605077" })
        #expect(messages[1].threadID == 1)
        #expect(messages[1].metadata == #"{"k": 1}"#)
        let empty = try decodeReply(UnreadMessagesReply.self, to: "bob", ref: "b18")
        #expect(empty.messages.isEmpty)
    }

    @Test func unreadCountsDecodeAndNullIsEmpty() throws {
        let counts = try decodeReply(UnreadCountsReply.self, to: "bob", ref: "b14").counts
        #expect(
            counts == [
                UnreadCount(
                    channel: "smoke-605077",
                    type: "channel",
                    unreadCount: 3,
                    mentionCount: 1
                )
            ]
        )
        #expect(try decodeReply(UnreadCountsReply.self, to: "bob", ref: "b19").counts.isEmpty)
        let two = try decodeReply(UnreadCountsReply.self, to: "bob/notif", ref: "b2").counts
        #expect(two.map(\.type) == ["channel", "dm"])
    }

    @Test func directMessageRepliesDecodeTheSingleParticipant() throws {
        let opened = try decodeReply(DMOpenResult.self, to: "alice", ref: "a15")
        #expect(opened == DMOpenResult(channel: "dm-alice-bob", participant: "bob", created: true))
        let again = try decodeReply(DMOpenResult.self, to: "alice", ref: "a16")
        #expect(!again.created)
        let list = try decodeReply(DMListReply.self, to: "bob", ref: "b26").dms
        #expect(list == [DirectMessageChannel(channel: "dm-alice-bob", participant: "alice")])
    }

    @Test func settingsDecode() throws {
        let settings = try decodeReply(Settings.self, to: "alice", ref: "a30")
        #expect(settings.values.isEmpty)
        let filled = try JSONDecoder().decode(
            Settings.self,
            from: Data(#"{"settings":{"motd":"hi"}}"#.utf8)
        )
        #expect(filled["motd"] == "hi")
    }

    @Test func mentionGroupRepliesDecode() throws {
        let created = try decodeReply(MentionGroup.self, to: "alice", ref: "a21")
        #expect(created == MentionGroup(id: 1, slug: "team-605077"))
        let fetched = try decodeReply(MentionGroup.self, to: "bob", ref: "b30")
        #expect(fetched.createdBy == "alice")
        #expect(fetched.members == ["bob"])
        #expect(fetched.createdAt == "2026-12-03T15:34:17.045921Z")
        let groups = try decodeReply(MentionGroupsReply.self, to: "bob", ref: "b31").groups
        #expect(groups == [fetched])
    }

    @Test func repliesWithoutDataDecodeAsEmptyObject() throws {
        let frame = try #require(TranscriptFrames.reply(to: "bob", ref: "b5"))
        let envelope = try Envelope(parsing: Array(frame.utf8))
        #expect(envelope.data == nil)
        // `mark_read`, `channel_join` and friends reply without `d`; all-list replies too.
        #expect(try envelope.decodeData(UnreadCountsReply.self).counts.isEmpty)
    }

    @Test func messageNewPushesDecode() throws {
        let pushes = TranscriptFrames.pushes(ofType: "message.new")
        #expect(pushes.count > 5)
        for frame in pushes {
            let envelope = try Envelope(parsing: Array(frame.utf8))
            #expect(envelope.isPush)
            let event = try envelope.decodeData(MessageEvent.self)
            #expect(event.sentDate != nil)
        }
        let threaded = try Envelope(parsing: Array(pushes[2].utf8)).decodeData(MessageEvent.self)
        #expect(threaded.threadID == 1)
        #expect(threaded.metadata == #"{"k": 1}"#)
        #expect(threaded.channelType == "channel")
        let dm = try #require(pushes.first { $0.contains(#""body":"psst""#) })
        #expect(try Envelope(parsing: Array(dm.utf8)).decodeData(MessageEvent.self).isDirectMessage)
    }

    @Test func presencePushesDecode() throws {
        let pushes = TranscriptFrames.pushes(ofType: "presence")
        #expect(pushes.count >= 3)
        for frame in pushes {
            let event = try Envelope(parsing: Array(frame.utf8)).decodeData(PresenceEvent.self)
            #expect(event.isOnline == (event.state != nil))
        }
    }

    @Test func mentionsNullDecodesAsEmpty() throws {
        let json = #"{"id":1,"from":"a","body":"b","sent_at":"x","mentions":null}"#
        let message = try JSONDecoder().decode(Message.self, from: Data(json.utf8))
        #expect(message.mentions == [])
        #expect(message.sentDate == nil)
    }

    @Test func goClientParticipantsShapeDoesNotDecode() {
        // The official Go client expects `participants: [string]`; the server never sends it.
        let json = #"{"channel":"dm-a-b","participants":["a","b"]}"#
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode(DirectMessageChannel.self, from: Data(json.utf8))
        }
    }
}
