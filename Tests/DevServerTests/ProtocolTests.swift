// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Testing

@testable import DevServer

/// Operations and errors beyond what the transcript shows, checked against the server's
/// source behaviour.
@Suite struct ProtocolTests {
    @Test func envelopeShapesFollowGoDecoding() {
        var driver = ProtocolDriver()
        #expect(driver.send("alice", "null") == #"{"type":"error","d":{"message":"unknown type: "},"ok":false}"#)
        #expect(driver.send("alice", #""text""#) == #"{"type":"error","d":{"message":"invalid JSON"},"ok":false}"#)
        #expect(driver.send("alice", #"{"type":1}"#) == #"{"type":"error","d":{"message":"invalid JSON"},"ok":false}"#)
        #expect(driver.send("alice", #"{"Type":"ping","REF":"r"}"#) == #"{"type":"pong","ref":"r","ok":true}"#)
        #expect(driver.send("alice", #"{"type":"ping","ref":null}"#) == #"{"type":"pong","ok":true}"#)
        #expect(driver.send("alice", #"{"type":"ping","ref":"a"} x"#).contains("invalid JSON"))
    }

    @Test func argumentsDecodeLikeGo() {
        var driver = ProtocolDriver()
        // `d: null` decodes to zero values; a non-object `d` or a wrong type is refused.
        #expect(driver.result("alice", #"{"type":"channel_join","ref":"1","d":null}"#)
            == "channel not found: ")
        #expect(driver.result("alice", #"{"type":"channel_join","ref":"2","d":"general"}"#)
            == "invalid arguments")
        #expect(driver.result("alice", #"{"type":"channel_join","ref":"3","d":{"channel":7}}"#)
            == "invalid arguments")
        #expect(driver.result("alice", #"{"type":"channel_join","ref":"4","d":{"Channel":"general"}}"#)
            == "ok")
        driver.send("alice", #"{"type":"send_message","ref":"5","d":{"channel":"general","body":"x"}}"#)
        for number in ["1.0", "1e0", "9223372036854775808"] {
            #expect(driver.result("alice",
                #"{"type":"history","ref":"6","d":{"channel":"general","after":\#(number)}}"#)
                == "invalid arguments")
        }
        // set_state and unread_messages ignore decoding errors, as the server does.
        #expect(driver.result("alice", #"{"type":"set_state","ref":"7","d":"active"}"#)
            == "state must be 'active' or 'idle'")
        #expect(driver.result("alice", #"{"type":"unread_messages","ref":"8","d":{"channel":5}}"#)
            == "ok")
    }

    @Test func permissionsFollowRoles() {
        var driver = ProtocolDriver(["alice", "bob", "bot"])
        #expect(driver.data("bot", #"{"type":"capabilities","ref":"c"}"#)?["permissions"]?
            .arrayValue?.count == 11)
        #expect(driver.result("bot", #"{"type":"channel_create","ref":"1","d":{"name":"b","public":true}}"#)
            == "ok")
        #expect(driver.result("bot", #"{"type":"channel_invite","ref":"2","d":{"channel":"b","username":"bob"}}"#)
            == "permission denied: invite_channel")
        #expect(driver.result("bob", #"{"type":"set_setting","ref":"3","d":{"key":"k","value":"v"}}"#)
            == "permission denied: manage_roles")
        // Permission is checked before arguments.
        #expect(driver.result("bob", #"{"type":"channel_create","ref":"4"}"#)
            == "permission denied: create_channel")
        #expect(driver.result("alice", #"{"type":"set_setting","ref":"5","d":{"key":"b","value":"2"}}"#) == "ok")
        driver.send("alice", #"{"type":"set_setting","ref":"6","d":{"key":"a","value":"1"}}"#)
        #expect(driver.data("alice", #"{"type":"get_settings","ref":"7"}"#)
            == ["settings": ["a": "1", "b": "2"]])
    }

    @Test func notificationOnlySessionsServeFiveOperations() {
        var driver = ProtocolDriver()
        for type in ["ping", "version", "capabilities", "unread_counts"] {
            #expect(!driver.send("bob", #"{"type":"\#(type)","ref":"r"}"#, notificationsOnly: true)
                .contains("notification-only"))
        }
        #expect(driver.result("bob", #"{"type":"set_state","ref":"s","d":{"state":"idle"}}"#) == "ok")
        for type in ["history", "dm_open", "mention_group_get", "get_settings"] {
            #expect(driver.send("bob", #"{"type":"\#(type)","ref":"r","d":{}}"#, notificationsOnly: true)
                .contains("notification-only connection"))
        }
        #expect(driver.send("bob", #"{"type":"nope","ref":"r"}"#, notificationsOnly: true)
            .contains("unknown type: nope"))
    }

    @Test func threadsAreOneLevelDeepAndStayInTheirChannel() {
        var driver = ProtocolDriver()
        driver.send("alice", #"{"type":"channel_create","ref":"a","d":{"name":"one","public":true}}"#)
        driver.send("alice", #"{"type":"channel_create","ref":"b","d":{"name":"two","public":true}}"#)
        driver.send("alice", #"{"type":"send_message","ref":"c","d":{"channel":"one","body":"root"}}"#)
        #expect(driver.result("alice", #"{"type":"send_message","ref":"d","d":{"channel":"one","body":"r","thread_id":1}}"#) == "ok")
        #expect(driver.result("alice", #"{"type":"send_message","ref":"e","d":{"channel":"one","body":"r","thread_id":2}}"#)
            == "cannot reply to a reply (threads are 1 level deep)")
        #expect(driver.result("alice", #"{"type":"send_message","ref":"f","d":{"channel":"two","body":"r","thread_id":1}}"#)
            == "parent message is in a different channel")
        #expect(driver.result("alice", #"{"type":"send_message","ref":"g","d":{"channel":"one","body":"r","thread_id":99}}"#)
            == "parent message not found: 99")
    }

    @Test func historyPagesLikeTheServersStore() {
        var driver = ProtocolDriver()
        driver.send("alice", #"{"type":"channel_create","ref":"a","d":{"name":"c","public":true}}"#)
        for index in 1...120 {
            driver.send("alice", #"{"type":"send_message","ref":"m","d":{"channel":"c","body":"\#(index)"}}"#)
        }
        func ids(_ arguments: String) -> [Int64] {
            let reply = driver.data("alice", #"{"type":"history","ref":"h","d":{"channel":"c"\#(arguments)}}"#)
            return reply?["messages"]?.arrayValue?.compactMap { $0["id"]?.int64Value } ?? []
        }
        #expect(ids("") == Array(71...120))
        #expect(ids(#","limit":3"#) == [118, 119, 120])
        #expect(ids(#","limit":150"#).count == 50)
        #expect(ids(#","before":10,"limit":3"#) == [7, 8, 9])
        #expect(ids(#","after":10,"limit":2"#) == [11, 12])
        #expect(ids(#","before":5,"after":1"#) == [1, 2, 3, 4])
    }

    @Test func unreadTracksCursorsPerChannel() {
        var driver = ProtocolDriver()
        driver.send("alice", #"{"type":"channel_create","ref":"a","d":{"name":"c","public":true,"members":["bob"]}}"#)
        driver.send("alice", #"{"type":"send_message","ref":"1","d":{"channel":"c","body":"a"}}"#)
        driver.send("bob", #"{"type":"send_message","ref":"2","d":{"channel":"c","body":"own"}}"#)
        driver.send("alice", #"{"type":"send_message","ref":"3","d":{"channel":"c","body":"b"}}"#)
        #expect(driver.data("bob", #"{"type":"unread_counts","ref":"u"}"#)
            == ["counts": [["channel": "c", "type": "channel", "unread_count": 2, "mention_count": 0]]])
        #expect(driver.result("bob", #"{"type":"mark_read","ref":"m","d":{"channel":"c","message_id":1}}"#) == "ok")
        #expect(driver.data("bob", #"{"type":"unread_counts","ref":"u"}"#)?["counts"]?[0]?["unread_count"] == 1)
        #expect(driver.result("bob", #"{"type":"mark_read","ref":"m","d":{"channel":"c","message_id":99}}"#)
            .contains("foreign key"))
        #expect(driver.result("carol", #"{"type":"mark_read","ref":"m","d":{"channel":"c"}}"#)
            == "you are not a participant of this channel")
        let all = driver.data("bob", #"{"type":"unread_messages","ref":"x"}"#)
        #expect(all?["messages"]?.arrayValue?.map { $0["body"] } == ["b"])
        #expect(driver.data("bob", #"{"type":"unread_counts","ref":"u"}"#) == ["counts": nil])
    }

    @Test func directMessagesAreSharedAndListedByParticipant() {
        var driver = ProtocolDriver()
        #expect(driver.data("carol", #"{"type":"dm_open","ref":"1","d":{"username":"bob"}}"#)
            == ["channel": "dm-bob-carol", "created": true, "participant": "bob"])
        driver.send("carol", #"{"type":"dm_open","ref":"2","d":{"username":"alice"}}"#)
        #expect(driver.result("carol", #"{"type":"dm_open","ref":"3","d":{}}"#) == "username is required")
        #expect(driver.data("carol", #"{"type":"dm_list","ref":"4"}"#) == ["dms": [
            ["channel": "dm-alice-carol", "participant": "alice"],
            ["channel": "dm-bob-carol", "participant": "bob"],
        ]])
        #expect(driver.data("alice", #"{"type":"channel_list","ref":"5"}"#)
            == ["channels": [["name": "general", "public": true, "member": false]]])
        driver.send("carol", #"{"type":"send_message","ref":"6","d":{"channel":"dm-bob-carol","body":"hi"}}"#)
        guard case .messageSent(_, let recipients)? = driver.lastEffect else {
            Issue.record("no message effect")
            return
        }
        #expect(recipients == ["bob"])
    }

    @Test func mentionGroupsExpandForMentionsAndStayWithTheirCreator() {
        var driver = ProtocolDriver()
        #expect(driver.data("alice", #"{"type":"mention_group_create","ref":"1","d":{"slug":"ops"}}"#)
            == ["id": 1, "slug": "ops"])
        #expect(driver.result("alice", #"{"type":"mention_group_create","ref":"2","d":{"slug":"ops"}}"#)
            .contains("mention_groups_slug_key"))
        #expect(driver.data("bob", #"{"type":"mention_group_create","ref":"3","d":{"slug":"dev"}}"#)?["id"] == 3)
        #expect(driver.result("alice", #"{"type":"mention_group_add_member","ref":"4","d":{"slug":"ops","username":"nobody"}}"#)
            == "user not found: nobody")
        driver.send("alice", #"{"type":"mention_group_add_member","ref":"5","d":{"slug":"ops","username":"carol"}}"#)
        driver.send("alice", #"{"type":"mention_group_add_member","ref":"6","d":{"slug":"ops","username":"bob"}}"#)
        let group = driver.data("bob", #"{"type":"mention_group_get","ref":"7","d":{"slug":"ops"}}"#)
        #expect(group?["members"] == ["bob", "carol"])
        #expect(group?["created_at"] == "2026-12-03T15:34:16.123456Z")
        #expect(driver.data("bob", #"{"type":"mention_group_get","ref":"8","d":{"slug":"dev"}}"#)?["members"] == nil)
        driver.send("alice", #"{"type":"channel_create","ref":"9","d":{"name":"c","public":true,"members":["bob","carol"]}}"#)
        driver.send("alice", #"{"type":"send_message","ref":"a","d":{"channel":"c","body":"@ops and @dev and @ops"}}"#)
        guard case .messageSent(let sent, let recipients)? = driver.lastEffect else {
            Issue.record("no message effect")
            return
        }
        // Empty groups mention nobody; the push names the slug, history the members.
        #expect(sent.pushMentions == ["ops"])
        #expect(recipients == ["ops"])
        let history = driver.data("bob", #"{"type":"history","ref":"b","d":{"channel":"c"}}"#)
        #expect(history?["messages"]?[0]?["mentions"] == ["carol", "bob"])
        #expect(driver.data("bob", #"{"type":"unread_counts","ref":"c"}"#)?["counts"]?[0]?["mention_count"] == 1)
    }

    @Test func channelCreationChecksMembersAndNames() {
        var driver = ProtocolDriver()
        #expect(driver.result("alice", #"{"type":"channel_create","ref":"1","d":{"name":"p","public":false,"members":["ghost"]}}"#)
            == "user not found: ghost")
        #expect(driver.result("alice", #"{"type":"channel_create","ref":"2","d":{"name":"p","public":false,"members":["bob","bob"]}}"#)
            .contains("channel_members_pkey"))
        #expect(driver.result("alice", #"{"type":"channel_create","ref":"3","d":{"name":"p","public":false,"members":["alice"]}}"#) == "ok")
        #expect(driver.result("bob", #"{"type":"channel_invite","ref":"4","d":{"channel":"p","username":"carol"}}"#)
            == "you are not a participant of this channel")
        #expect(driver.result("alice", #"{"type":"channel_invite","ref":"5","d":{"channel":"p","username":"ghost"}}"#)
            == "user not found: ghost")
        #expect(driver.result("alice", #"{"type":"channel_invite","ref":"6","d":{"channel":"nope","username":"bob"}}"#)
            == "channel not found: nope")
        // The failed insert (duplicate member) consumed id 2, as a PostgreSQL sequence does.
        #expect(driver.store.channel(named: "p")?.id == 3)
    }
}
