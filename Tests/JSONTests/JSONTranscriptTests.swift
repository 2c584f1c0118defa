// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Testing

/// Frames a real Sharkfin server sent, copied verbatim from the shared upstream transcript
/// (the lines starting `<<< name: {`), long ones wrapped with `\#` line continuations.
/// All 125 such lines in that transcript parse and re-serialize byte for byte; these are a
/// representative handful.
private let serverFrames: [String] = [
    // Transcript line 32, sent to alice.
    #"{"type":"presence","d":{"state":"idle","status":"online","username":"bob"}}"#,
    // Transcript line 40, sent to alice.
    #"{"type":"reply","d":{"version":"dev-6e44a7d"},"ref":"a1","ok":true}"#,
    // Transcript line 46, sent to alice.
    #"""
    {"type":"reply","d":{"permissions":["channel_list","create_channel","dm_list","dm_open",\#
    "history","invite_channel","join_channel","manage_roles","mark_read","send_message",\#
    "unread_counts","unread_messages","user_list"]},"ref":"a3","ok":true}
    """#,
    // Transcript line 74, sent to alice.
    #"""
    {"type":"error","d":{"message":"insert channel: ERROR: duplicate key value violates\#
     unique constraint \"idx_channels_name\" (SQLSTATE 23505)"},"ref":"a6","ok":false}
    """#,
    // Transcript line 90, sent to bob.
    #"{"type":"reply","ref":"b5","ok":true}"#,
    // Transcript line 112, sent to bob.
    #"""
    {"type":"message.new","d":{"body":"threaded reply","channel":"smoke-605077",\#
    "channel_type":"channel","from":"alice","id":2,"metadata":"{\"k\": 1}",\#
    "sent_at":"2026-12-03T15:34:16Z","thread_id":1}}
    """#,
    // Transcript line 134, sent to bob.
    #"""
    {"type":"reply","d":{"channel":"smoke-605077","messages":[{"id":1,"from":"alice",\#
    "body":"hello @bob","sent_at":"2026-12-03T15:34:16Z","mentions":["bob"]},{"id":2,\#
    "from":"alice","body":"threaded reply","sent_at":"2026-12-03T15:34:16Z","thread_id":1,\#
    "metadata":"{\"k\": 1}"},{"id":3,"from":"alice","body":"",\#
    "sent_at":"2026-12-03T15:34:16Z"}]},"ref":"b9","ok":true}
    """#,
    // Transcript line 165, sent to bob.
    #"{"type":"reply","d":{"messages":null},"ref":"b18","ok":true}"#,
    // Transcript line 247, sent to bob.
    #"""
    {"type":"reply","d":{"id":1,"slug":"team-605077","created_by":"alice","members":["bob"],\#
    "created_at":"2026-12-03T15:34:17.045921Z"},"ref":"b30","ok":true}
    """#,
    // Transcript line 277, sent to alice.
    #"{"type":"error","d":{"message":"invalid JSON"},"ok":false}"#,
    // Transcript line 295, sent to alice.
    #"{"type":"reply","d":{"settings":{}},"ref":"a30","ok":true}"#,
    // Transcript line 305, sent to bob.
    #"""
    {"type":"reply","d":{"channels":[{"name":"general","public":true,"member":false},\#
    {"name":"priv-605077","public":false,"member":false},{"name":"smoke-605077",\#
    "public":true,"member":true},{"name":"solo-605077","public":true,"member":false}]},\#
    "ref":"b34","ok":true}
    """#,
    // Transcript line 319, sent to bob.
    #"{"type":"presence","d":{"status":"offline","username":"agent1"}}"#,
    // Transcript line 354, sent to bob/presence.
    #"""
    {"d":{"channel":"dm-alice-bob","channel_type":"dm","from":"alice","message_id":8},\#
    "type":"message.new"}
    """#,
    // Transcript line 396, sent to bob/notif.
    #"""
    {"type":"reply","d":{"counts":[{"channel":"smoke-605077","type":"channel",\#
    "unread_count":4,"mention_count":1},{"channel":"dm-alice-bob","type":"dm",\#
    "unread_count":2,"mention_count":0}]},"ref":"b2","ok":true}
    """#,
]

@Test(arguments: serverFrames)
func realServerFramesRoundTripByteForByte(_ frame: String) throws {
    let value = try JSONValue(parsing: frame)
    let object = try #require(value.objectValue)
    #expect(object["type"]?.stringValue != nil)
    #expect(value.serializedString() == frame)
}

@Test func realServerFramesKeepTheGoServersKeyOrder() throws {
    let reply = try JSONValue(parsing: serverFrames[1])
    #expect(reply.objectValue?.keys == ["type", "d", "ref", "ok"])
    let notification = try JSONValue(parsing: serverFrames[13])
    #expect(notification.objectValue?.keys == ["d", "type"])
    let message = try JSONValue(parsing: serverFrames[5])
    #expect(message["d"]?["metadata"] == #"{"k": 1}"#)
    #expect(message["d"]?["thread_id"]?.intValue == 1)
}
