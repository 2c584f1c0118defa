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
        let invalid = #"{"type":"error","d":{"message":"invalid JSON"},"ok":false}"#
        #expect(
            driver.raw("alice", "null")
                == #"{"type":"error","d":{"message":"unknown type: "},"ok":false}"#
        )
        #expect(driver.raw("alice", #""text""#) == invalid)
        #expect(driver.raw("alice", #"{"type":1}"#) == invalid)
        #expect(driver.raw("alice", #"{"type":"ping","ref":"a"} x"#) == invalid)
        #expect(
            driver.raw("alice", #"{"Type":"ping","REF":"r"}"#)
                == #"{"type":"pong","ref":"r","ok":true}"#
        )
        #expect(
            driver.raw(
                "alice",
                #"{"type":"ping","ref":null}"#
            ) == #"{"type":"pong","ok":true}"#
        )
    }

    @Test func argumentsDecodeLikeGo() {
        var driver = ProtocolDriver()
        // `d: null` decodes to zero values; a non-object `d` or a wrong type is refused.
        #expect(
            driver.result("alice", "channel_join", #"null"#)
                == "channel not found: "
        )
        #expect(
            driver.result("alice", "channel_join", #""general""#)
                == "invalid arguments"
        )
        #expect(
            driver.result("alice", "channel_join", #"{"channel":7}"#)
                == "invalid arguments"
        )
        #expect(
            driver.result("alice", "channel_join", #"{"Channel":"general"}"#)
                == "ok"
        )
        driver.send("alice", "send_message", #"{"channel":"general","body":"x"}"#)
        for number in ["1.0", "1e0", "9223372036854775808"] {
            #expect(
                driver.result(
                    "alice",
                    "history",
                    #"{"channel":"general","after":\#(number)}"#
                )
                    == "invalid arguments"
            )
        }
        // set_state and unread_messages ignore decoding errors, as the server does.
        #expect(
            driver.result("alice", "set_state", #""active""#)
                == "state must be 'active' or 'idle'"
        )
        #expect(
            driver.result("alice", "unread_messages", #"{"channel":5}"#)
                == "ok"
        )
    }

    @Test func permissionsFollowRoles() {
        var driver = ProtocolDriver(["alice", "bob", "bot"])
        #expect(
            driver.data("bot", "capabilities")?["permissions"]?
                .arrayValue?.count == 11
        )
        #expect(
            driver.result("bot", "channel_create", #"{"name":"b","public":true}"#)
                == "ok"
        )
        #expect(
            driver.result("bot", "channel_invite", #"{"channel":"b","username":"bob"}"#)
                == "permission denied: invite_channel"
        )
        #expect(
            driver.result("bob", "set_setting", #"{"key":"k","value":"v"}"#)
                == "permission denied: manage_roles"
        )
        // Permission is checked before arguments.
        #expect(
            driver.result("bob", "channel_create")
                == "permission denied: create_channel"
        )
        #expect(driver.result("alice", "set_setting", #"{"key":"b","value":"2"}"#) == "ok")
        driver.send("alice", "set_setting", #"{"key":"a","value":"1"}"#)
        #expect(
            driver.data("alice", "get_settings")
                == ["settings": ["a": "1", "b": "2"]]
        )
    }

    @Test func notificationOnlySessionsServeFiveOperations() {
        var driver = ProtocolDriver()
        for type in ["ping", "version", "capabilities", "unread_counts"] {
            #expect(
                !driver.send("bob", type, notificationsOnly: true)
                    .contains("notification-only")
            )
        }
        #expect(driver.result("bob", "set_state", #"{"state":"idle"}"#) == "ok")
        for type in ["history", "dm_open", "mention_group_get", "get_settings"] {
            #expect(
                driver.send("bob", type, "{}", notificationsOnly: true)
                    .contains("notification-only connection")
            )
        }
        #expect(
            driver.send("bob", "nope", notificationsOnly: true)
                .contains("unknown type: nope")
        )
    }

    @Test func threadsAreOneLevelDeepAndStayInTheirChannel() {
        var driver = ProtocolDriver()
        driver.send("alice", "channel_create", #"{"name":"one","public":true}"#)
        driver.send("alice", "channel_create", #"{"name":"two","public":true}"#)
        driver.send("alice", "send_message", #"{"channel":"one","body":"root"}"#)
        #expect(
            driver.result(
                "alice",
                "send_message",
                #"{"channel":"one","body":"r","thread_id":1}"#
            ) == "ok"
        )
        #expect(
            driver.result(
                "alice",
                "send_message",
                #"{"channel":"one","body":"r","thread_id":2}"#
            )
                == "cannot reply to a reply (threads are 1 level deep)"
        )
        #expect(
            driver.result(
                "alice",
                "send_message",
                #"{"channel":"two","body":"r","thread_id":1}"#
            )
                == "parent message is in a different channel"
        )
        #expect(
            driver.result(
                "alice",
                "send_message",
                #"{"channel":"one","body":"r","thread_id":99}"#
            )
                == "parent message not found: 99"
        )
    }

    @Test func historyPagesLikeTheServersStore() {
        var driver = ProtocolDriver()
        driver.send("alice", "channel_create", #"{"name":"c","public":true}"#)
        for index in 1...120 {
            driver.send("alice", "send_message", #"{"channel":"c","body":"\#(index)"}"#)
        }
        func ids(_ arguments: String) -> [Int64] {
            let reply = driver.data("alice", "history", #"{"channel":"c"\#(arguments)}"#)
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
        driver.send("alice", "channel_create", #"{"name":"c","public":true,"members":["bob"]}"#)
        driver.send("alice", "send_message", #"{"channel":"c","body":"a"}"#)
        driver.send("bob", "send_message", #"{"channel":"c","body":"own"}"#)
        driver.send("alice", "send_message", #"{"channel":"c","body":"b"}"#)
        #expect(
            driver.data("bob", "unread_counts")
                == [
                    "counts": [
                        ["channel": "c", "type": "channel", "unread_count": 2, "mention_count": 0]
                    ]
                ]
        )
        #expect(driver.result("bob", "mark_read", #"{"channel":"c","message_id":1}"#) == "ok")
        #expect(driver.data("bob", "unread_counts")?["counts"]?[0]?["unread_count"] == 1)
        #expect(
            driver.result("bob", "mark_read", #"{"channel":"c","message_id":99}"#)
                .contains("foreign key")
        )
        #expect(
            driver.result("carol", "mark_read", #"{"channel":"c"}"#)
                == "you are not a participant of this channel"
        )
        let all = driver.data("bob", "unread_messages")
        #expect(all?["messages"]?.arrayValue?.map { $0["body"] } == ["b"])
        #expect(driver.data("bob", "unread_counts") == ["counts": nil])
    }

    @Test func directMessagesAreSharedAndListedByParticipant() {
        var driver = ProtocolDriver()
        #expect(
            driver.data("carol", "dm_open", #"{"username":"bob"}"#)
                == ["channel": "dm-bob-carol", "created": true, "participant": "bob"]
        )
        driver.send("carol", "dm_open", #"{"username":"alice"}"#)
        #expect(driver.result("carol", "dm_open", #"{}"#) == "username is required")
        #expect(
            driver.data("carol", "dm_list") == [
                "dms": [
                    ["channel": "dm-alice-carol", "participant": "alice"],
                    ["channel": "dm-bob-carol", "participant": "bob"],
                ]
            ]
        )
        #expect(
            driver.data("alice", "channel_list")
                == ["channels": [["name": "general", "public": true, "member": false]]]
        )
        driver.send("carol", "send_message", #"{"channel":"dm-bob-carol","body":"hi"}"#)
        guard case .messageSent(_, let recipients)? = driver.lastEffect else {
            Issue.record("no message effect")
            return
        }
        #expect(recipients == ["bob"])
    }

    @Test func mentionGroupsExpandForMentionsAndStayWithTheirCreator() {
        var driver = ProtocolDriver()
        #expect(
            driver.data("alice", "mention_group_create", #"{"slug":"ops"}"#)
                == ["id": 1, "slug": "ops"]
        )
        #expect(
            driver.result("alice", "mention_group_create", #"{"slug":"ops"}"#)
                .contains("mention_groups_slug_key")
        )
        #expect(driver.data("bob", "mention_group_create", #"{"slug":"dev"}"#)?["id"] == 3)
        #expect(
            driver.result(
                "alice",
                "mention_group_add_member",
                #"{"slug":"ops","username":"nobody"}"#
            )
                == "user not found: nobody"
        )
        driver.send("alice", "mention_group_add_member", #"{"slug":"ops","username":"carol"}"#)
        driver.send("alice", "mention_group_add_member", #"{"slug":"ops","username":"bob"}"#)
        let group = driver.data("bob", "mention_group_get", #"{"slug":"ops"}"#)
        #expect(group?["members"] == ["bob", "carol"])
        #expect(group?["created_at"] == "2026-12-03T15:34:16.123456Z")
        #expect(driver.data("bob", "mention_group_get", #"{"slug":"dev"}"#)?["members"] == nil)
        driver.send(
            "alice",
            "channel_create",
            #"{"name":"c","public":true,"members":["bob","carol"]}"#
        )
        driver.send("alice", "send_message", #"{"channel":"c","body":"@ops and @dev and @ops"}"#)
        guard case .messageSent(let sent, let recipients)? = driver.lastEffect else {
            Issue.record("no message effect")
            return
        }
        // Empty groups mention nobody; the push names the slug, history the members.
        #expect(sent.pushMentions == ["ops"])
        #expect(recipients == ["ops"])
        let history = driver.data("bob", "history", #"{"channel":"c"}"#)
        #expect(history?["messages"]?[0]?["mentions"] == ["carol", "bob"])
        #expect(driver.data("bob", "unread_counts")?["counts"]?[0]?["mention_count"] == 1)
    }

    @Test func channelCreationChecksMembersAndNames() {
        var driver = ProtocolDriver()
        #expect(
            driver.result(
                "alice",
                "channel_create",
                #"{"name":"p","public":false,"members":["ghost"]}"#
            )
                == "user not found: ghost"
        )
        #expect(
            driver.result(
                "alice",
                "channel_create",
                #"{"name":"p","public":false,"members":["bob","bob"]}"#
            )
            .contains("channel_members_pkey")
        )
        #expect(
            driver.result(
                "alice",
                "channel_create",
                #"{"name":"p","public":false,"members":["alice"]}"#
            ) == "ok"
        )
        #expect(
            driver.result("bob", "channel_invite", #"{"channel":"p","username":"carol"}"#)
                == "you are not a participant of this channel"
        )
        #expect(
            driver.result("alice", "channel_invite", #"{"channel":"p","username":"ghost"}"#)
                == "user not found: ghost"
        )
        #expect(
            driver.result("alice", "channel_invite", #"{"channel":"nope","username":"bob"}"#)
                == "channel not found: nope"
        )
        // The failed insert (duplicate member) consumed id 2, as a PostgreSQL sequence does.
        #expect(driver.store.channel(named: "p")?.id == 3)
    }
}
