// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

/// Every distinct frame a real Sharkfin server sent in upstream-transcript.txt, verbatim,
/// with the connection that received it (replies, errors, pongs and pushes on `/ws` and
/// `/presence`). Long frames are split into concatenated pieces to stay within 100 columns.
enum TranscriptFrames {
    static let all: [(receiver: String, frame: String)] = [
        ("alice", #"{"type":"presence","d":{"state":"idle","status":"online","username":"bob"}}"#),
        ("alice", #"{"type":"reply","d":{"version":"dev-6e44a7d"},"ref":"a1","ok":true}"#),
        ("alice", #"{"type":"pong","ref":"a2","ok":true}"#),
        (
            "alice",
            #"{"type":"reply","d":{"permissions":["channel_list","create_channel","dm_list","#
                + #""dm_open","history","invite_channel","join_channel","manage_roles","mark_read""#
                + #","send_message","unread_counts","unread_messages","user_list"]},"ref":"a3","ok"#
                + #"":true}"#
        ),
        (
            "bob",
            #"{"type":"reply","d":{"permissions":["channel_list","dm_list","dm_open","histor"#
                + #"y","invite_channel","join_channel","mark_read","send_message","unread_counts","#
                + #""unread_messages","user_list"]},"ref":"b1","ok":true}"#
        ),
        (
            "alice",
            #"{"type":"reply","d":{"users":[{"username":"admin","online":false,"type":"user""#
                + #"},{"username":"agent1","online":false,"type":"agent"},{"username":"alice","onl"#
                + #"ine":false,"type":"user"},{"username":"bob","online":false,"type":"user"},{"us"#
                + #"ername":"bot","online":false,"type":"service"},{"username":"carol","online":fa"#
                + #"lse,"type":"user"}]},"ref":"a4","ok":true}"#
        ),
        (
            "bob",
            #"{"type":"reply","d":{"channels":[{"name":"general","public":true,"member":fals"#
                + #"e}]},"ref":"b2","ok":true}"#
        ),
        (
            "bob",
            #"{"type":"error","d":{"message":"permission denied: create_channel"},"ref":"b3""#
                + #","ok":false}"#
        ),
        ("alice", #"{"type":"reply","d":{"name":"smoke-605077"},"ref":"a5","ok":true}"#),
        (
            "alice",
            #"{"type":"error","d":{"message":"insert channel: ERROR: duplicate key value vio"#
                + #"lates unique constraint \"idx_channels_name\" (SQLSTATE 23505)"},"ref":"a6","o"#
                + #"k":false}"#
        ),
        ("alice", #"{"type":"reply","d":{"name":"solo-605077"},"ref":"a7","ok":true}"#),
        ("alice", #"{"type":"error","d":{"message":"invalid arguments"},"ref":"a8","ok":false}"#),
        (
            "bob",
            #"{"type":"error","d":{"message":"you are not a participant of this channel"},"r"#
                + #"ef":"b4","ok":false}"#
        ),
        ("bob", #"{"type":"reply","ref":"b5","ok":true}"#),
        ("bob", #"{"type":"error","d":{"message":"already a member"},"ref":"b6","ok":false}"#),
        (
            "bob",
            #"{"type":"error","d":{"message":"channel not found: no-such-channel"},"ref":"b7"#
                + #"","ok":false}"#
        ),
        ("alice", #"{"type":"reply","d":{"id":1},"ref":"a9","ok":true}"#),
        (
            "bob",
            #"{"type":"message.new","d":{"body":"hello @bob","channel":"smoke-605077","chann"#
                + #"el_type":"channel","from":"alice","id":1,"mentions":["bob"],"sent_at":"2026-12"#
                + #"-03T15:34:16Z"}}"#
        ),
        (
            "alice",
            #"{"type":"message.new","d":{"body":"hello @bob","channel":"smoke-605077","chann"#
                + #"el_type":"channel","from":"alice","id":1,"mentions":["bob"],"sent_at":"2026-12"#
                + #"-03T15:34:16Z"}}"#
        ),
        ("alice", #"{"type":"reply","d":{"id":2},"ref":"a10","ok":true}"#),
        (
            "bob",
            #"{"type":"message.new","d":{"body":"threaded reply","channel":"smoke-605077","c"#
                + #"hannel_type":"channel","from":"alice","id":2,"metadata":"{\"k\": 1}","sent_at""#
                + #":"2026-12-03T15:34:16Z","thread_id":1}}"#
        ),
        (
            "alice",
            #"{"type":"message.new","d":{"body":"threaded reply","channel":"smoke-605077","c"#
                + #"hannel_type":"channel","from":"alice","id":2,"metadata":"{\"k\": 1}","sent_at""#
                + #":"2026-12-03T15:34:16Z","thread_id":1}}"#
        ),
        ("alice", #"{"type":"error","d":{"message":"invalid arguments"},"ref":"a11","ok":false}"#),
        ("alice", #"{"type":"reply","d":{"id":3},"ref":"a12","ok":true}"#),
        (
            "bob",
            #"{"type":"message.new","d":{"body":"","channel":"smoke-605077","channel_type":""#
                + #"channel","from":"alice","id":3,"sent_at":"2026-12-03T15:34:16Z"}}"#
        ),
        (
            "alice",
            #"{"type":"message.new","d":{"body":"","channel":"smoke-605077","channel_type":""#
                + #"channel","from":"alice","id":3,"sent_at":"2026-12-03T15:34:16Z"}}"#
        ),
        ("alice", #"{"type":"error","d":{"message":"invalid arguments"},"ref":"a13","ok":false}"#),
        (
            "bob",
            #"{"type":"error","d":{"message":"you are not a participant of this channel"},"r"#
                + #"ef":"b8","ok":false}"#
        ),
        (
            "bob",
            #"{"type":"reply","d":{"channel":"smoke-605077","messages":[{"id":1,"from":"alic"#
                + #"e","body":"hello @bob","sent_at":"2026-12-03T15:34:16Z","mentions":["bob"]},{""#
                + #"id":2,"from":"alice","body":"threaded reply","sent_at":"2026-12-03T15:34:16Z","#
                + #""thread_id":1,"metadata":"{\"k\": 1}"},{"id":3,"from":"alice","body":"","sent_"#
                + #"at":"2026-12-03T15:34:16Z"}]},"ref":"b9","ok":true}"#
        ),
        (
            "bob",
            #"{"type":"reply","d":{"channel":"smoke-605077","messages":[{"id":3,"from":"alic"#
                + #"e","body":"","sent_at":"2026-12-03T15:34:16Z"}]},"ref":"b10","ok":true}"#
        ),
        (
            "bob",
            #"{"type":"reply","d":{"channel":"smoke-605077","messages":[{"id":2,"from":"alic"#
                + #"e","body":"threaded reply","sent_at":"2026-12-03T15:34:16Z","thread_id":1,"met"#
                + #"adata":"{\"k\": 1}"},{"id":3,"from":"alice","body":"","sent_at":"2026-12-03T15"#
                + #":34:16Z"}]},"ref":"b11","ok":true}"#
        ),
        (
            "bob",
            #"{"type":"reply","d":{"channel":"smoke-605077","messages":[{"id":2,"from":"alic"#
                + #"e","body":"threaded reply","sent_at":"2026-12-03T15:34:16Z","thread_id":1,"met"#
                + #"adata":"{\"k\": 1}"}]},"ref":"b12","ok":true}"#
        ),
        (
            "bob",
            #"{"type":"error","d":{"message":"you are not a participant of this channel"},"r"#
                + #"ef":"b13","ok":false}"#
        ),
        (
            "bob",
            #"{"type":"reply","d":{"counts":[{"channel":"smoke-605077","type":"channel","unr"#
                + #"ead_count":3,"mention_count":1}]},"ref":"b14","ok":true}"#
        ),
        (
            "bob",
            #"{"type":"reply","d":{"messages":[{"channel":"smoke-605077","from":"alice","bod"#
                + #"y":"hello @bob","sent_at":"2026-12-03T15:34:16Z","mentions":["bob"]}]},"ref":""#
                + #"b15","ok":true}"#
        ),
        (
            "bob",
            #"{"type":"reply","d":{"counts":[{"channel":"smoke-605077","type":"channel","unr"#
                + #"ead_count":3,"mention_count":1}]},"ref":"b16","ok":true}"#
        ),
        (
            "bob",
            #"{"type":"reply","d":{"messages":[{"channel":"smoke-605077","from":"alice","bod"#
                + #"y":"hello @bob","sent_at":"2026-12-03T15:34:16Z","mentions":["bob"]},{"channel"#
                + #"":"smoke-605077","from":"alice","body":"threaded reply","sent_at":"2026-12-03T"#
                + #"15:34:16Z","thread_id":1,"metadata":"{\"k\": 1}"},{"channel":"smoke-605077","f"#
                + #"rom":"alice","body":"","sent_at":"2026-12-03T15:34:16Z"}]},"ref":"b17","ok":tr"#
                + #"ue}"#
        ),
        ("bob", #"{"type":"reply","d":{"messages":null},"ref":"b18","ok":true}"#),
        ("bob", #"{"type":"reply","d":{"counts":null},"ref":"b19","ok":true}"#),
        ("alice", #"{"type":"reply","d":{"id":4},"ref":"a14","ok":true}"#),
        (
            "bob",
            #"{"type":"message.new","d":{"body":"one more","channel":"smoke-605077","channel"#
                + #"_type":"channel","from":"alice","id":4,"sent_at":"2026-12-03T15:34:16Z"}}"#
        ),
        (
            "bob",
            #"{"type":"reply","d":{"counts":[{"channel":"smoke-605077","type":"channel","unr"#
                + #"ead_count":1,"mention_count":0}]},"ref":"b20","ok":true}"#
        ),
        ("bob", #"{"type":"reply","ref":"b21","ok":true}"#),
        ("bob", #"{"type":"reply","d":{"counts":null},"ref":"b22","ok":true}"#),
        ("bob", #"{"type":"error","d":{"message":"channel is required"},"ref":"b23","ok":false}"#),
        ("bob", #"{"type":"reply","d":{"messages":null},"ref":"b24","ok":true}"#),
        (
            "alice",
            #"{"type":"message.new","d":{"body":"one more","channel":"smoke-605077","channel"#
                + #"_type":"channel","from":"alice","id":4,"sent_at":"2026-12-03T15:34:16Z"}}"#
        ),
        (
            "alice",
            #"{"type":"reply","d":{"channel":"dm-alice-bob","created":true,"participant":"bo"#
                + #"b"},"ref":"a15","ok":true}"#
        ),
        (
            "alice",
            #"{"type":"reply","d":{"channel":"dm-alice-bob","created":false,"participant":"b"#
                + #"ob"},"ref":"a16","ok":true}"#
        ),
        (
            "bob",
            #"{"type":"reply","d":{"channel":"dm-alice-bob","created":false,"participant":"a"#
                + #"lice"},"ref":"b25","ok":true}"#
        ),
        (
            "alice",
            #"{"type":"error","d":{"message":"cannot open DM with yourself"},"ref":"a17","ok"#
                + #"":false}"#
        ),
        (
            "alice",
            #"{"type":"error","d":{"message":"user not found: nobody"},"ref":"a18","ok":fals"#
                + #"e}"#
        ),
        (
            "bob",
            #"{"type":"reply","d":{"dms":[{"channel":"dm-alice-bob","participant":"alice"}]}"#
                + #","ref":"b26","ok":true}"#
        ),
        ("alice", #"{"type":"reply","d":{"id":5},"ref":"a19","ok":true}"#),
        (
            "bob",
            #"{"type":"message.new","d":{"body":"psst","channel":"dm-alice-bob","channel_typ"#
                + #"e":"dm","from":"alice","id":5,"sent_at":"2026-12-03T15:34:16Z"}}"#
        ),
        (
            "alice",
            #"{"type":"message.new","d":{"body":"psst","channel":"dm-alice-bob","channel_typ"#
                + #"e":"dm","from":"alice","id":5,"sent_at":"2026-12-03T15:34:16Z"}}"#
        ),
        ("bob", #"{"type":"reply","ref":"b27","ok":true}"#),
        (
            "alice",
            #"{"type":"presence","d":{"state":"active","status":"online","username":"bob"}}"#
        ),
        (
            "bob",
            #"{"type":"error","d":{"message":"state must be 'active' or 'idle'"},"ref":"b28""#
                + #","ok":false}"#
        ),
        (
            "alice",
            #"{"type":"reply","d":{"users":[{"username":"admin","online":false,"type":"user""#
                + #"},{"username":"agent1","online":false,"type":"agent"},{"username":"alice","onl"#
                + #"ine":false,"type":"user"},{"username":"bob","online":false,"type":"user"},{"us"#
                + #"ername":"bot","online":false,"type":"service"},{"username":"carol","online":fa"#
                + #"lse,"type":"user"}]},"ref":"a20","ok":true}"#
        ),
        ("alice", #"{"type":"reply","d":{"id":1,"slug":"team-605077"},"ref":"a21","ok":true}"#),
        (
            "alice",
            #"{"type":"error","d":{"message":"slug conflicts with existing username: bob"},""#
                + #"ref":"a22","ok":false}"#
        ),
        (
            "alice",
            #"{"type":"error","d":{"message":"invalid slug: must match [a-zA-Z0-9_-]+"},"ref"#
                + #"":"a23","ok":false}"#
        ),
        ("alice", #"{"type":"reply","ref":"a24","ok":true}"#),
        (
            "bob",
            #"{"type":"error","d":{"message":"only the group creator can manage members"},"r"#
                + #"ef":"b29","ok":false}"#
        ),
        (
            "bob",
            #"{"type":"reply","d":{"id":1,"slug":"team-605077","created_by":"alice","members"#
                + #"":["bob"],"created_at":"2026-12-03T15:34:17.045921Z"},"ref":"b30","ok":true}"#
        ),
        (
            "bob",
            #"{"type":"reply","d":{"groups":[{"id":1,"slug":"team-605077","created_by":"alic"#
                + #"e","members":["bob"],"created_at":"2026-12-03T15:34:17.045921Z"}]},"ref":"b31""#
                + #","ok":true}"#
        ),
        ("alice", #"{"type":"reply","d":{"id":6},"ref":"a25","ok":true}"#),
        (
            "bob",
            #"{"type":"message.new","d":{"body":"ping @team-605077 and @nobody","channel":"s"#
                + #"moke-605077","channel_type":"channel","from":"alice","id":6,"mentions":["team-"#
                + #"605077"],"sent_at":"2026-12-03T15:34:17Z"}}"#
        ),
        (
            "bob",
            #"{"type":"error","d":{"message":"only the group creator can delete it"},"ref":""#
                + #"b32","ok":false}"#
        ),
        (
            "alice",
            #"{"type":"message.new","d":{"body":"ping @team-605077 and @nobody","channel":"s"#
                + #"moke-605077","channel_type":"channel","from":"alice","id":6,"mentions":["team-"#
                + #"605077"],"sent_at":"2026-12-03T15:34:17Z"}}"#
        ),
        ("alice", #"{"type":"reply","ref":"a26","ok":true}"#),
        ("alice", #"{"type":"reply","ref":"a27","ok":true}"#),
        (
            "alice",
            #"{"type":"error","d":{"message":"mention group not found: team-605077"},"ref":""#
                + #"a28","ok":false}"#
        ),
        (
            "alice",
            #"{"type":"error","d":{"message":"unknown type: bogus_op"},"ref":"a29","ok":fals"#
                + #"e}"#
        ),
        ("alice", #"{"type":"error","d":{"message":"invalid JSON"},"ok":false}"#),
        ("alice", #"{"type":"pong","ok":true}"#),
        ("alice", #"{"type":"error","d":{"message":"unknown type: "},"ref":"x9","ok":false}"#),
        (
            "bob",
            #"{"type":"error","d":{"message":"permission denied: manage_roles"},"ref":"b33","#
                + #""ok":false}"#
        ),
        ("alice", #"{"type":"reply","d":{"settings":{}},"ref":"a30","ok":true}"#),
        ("alice", #"{"type":"reply","d":{"name":"priv-605077"},"ref":"a31","ok":true}"#),
        (
            "bob",
            #"{"type":"reply","d":{"channels":[{"name":"general","public":true,"member":fals"#
                + #"e},{"name":"priv-605077","public":false,"member":false},{"name":"smoke-605077""#
                + #","public":true,"member":true},{"name":"solo-605077","public":true,"member":fal"#
                + #"se}]},"ref":"b34","ok":true}"#
        ),
        ("alice", #"{"type":"reply","ref":"a32","ok":true}"#),
        (
            "alice",
            #"{"type":"error","d":{"message":"add member: ERROR: duplicate key value violate"#
                + #"s unique constraint \"channel_members_pkey\" (SQLSTATE 23505)"},"ref":"a33","o"#
                + #"k":false}"#
        ),
        ("agent1", #"{"type":"reply","ref":"a1","ok":true}"#),
        ("bob", #"{"type":"presence","d":{"state":"idle","status":"online","username":"agent1"}}"#),
        ("bob", #"{"type":"presence","d":{"status":"offline","username":"agent1"}}"#),
        ("bob", #"{"type":"reply","ref":"b35","ok":true}"#),
        (
            "alice",
            #"{"type":"presence","d":{"state":"idle","status":"online","username":"agent1"}}"#
        ),
        ("alice", #"{"type":"presence","d":{"status":"offline","username":"agent1"}}"#),
        (
            "bob",
            #"{"type":"reply","d":{"channel":"smoke-605077","messages":[{"id":7,"from":"alic"#
                + #"e","body":"via REST","sent_at":"2026-12-03T15:34:17Z","metadata":"{\"src\":\"r"#
                + #"est\"}"}]},"ref":"b36","ok":true}"#
        ),
        (
            "alice",
            #"{"type":"reply","d":{"users":[{"username":"admin","online":false,"type":"user""#
                + #"},{"username":"agent1","online":false,"type":"agent"},{"username":"alice","onl"#
                + #"ine":false,"type":"user"},{"username":"bob","online":true,"type":"user","state"#
                + #"":"active"},{"username":"bot","online":false,"type":"service"},{"username":"ca"#
                + #"rol","online":false,"type":"user"}]},"ref":"a34","ok":true}"#
        ),
        ("alice", #"{"type":"reply","d":{"id":8},"ref":"a35","ok":true}"#),
        (
            "bob/presence",
            #"{"d":{"channel":"dm-alice-bob","channel_type":"dm","from":"alice","message_id""#
                + #":8},"type":"message.new"}"#
        ),
        (
            "bob",
            #"{"type":"message.new","d":{"body":"dm while presence","channel":"dm-alice-bob""#
                + #","channel_type":"dm","from":"alice","id":8,"sent_at":"2026-12-03T15:34:19Z"}}"#
        ),
        (
            "alice",
            #"{"type":"message.new","d":{"body":"dm while presence","channel":"dm-alice-bob""#
                + #","channel_type":"dm","from":"alice","id":8,"sent_at":"2026-12-03T15:34:19Z"}}"#
        ),
        ("alice", #"{"type":"reply","d":{"id":9},"ref":"a36","ok":true}"#),
        (
            "bob",
            #"{"type":"message.new","d":{"body":"plain channel msg","channel":"smoke-605077""#
                + #","channel_type":"channel","from":"alice","id":9,"sent_at":"2026-12-03T15:34:19"#
                + #"Z"}}"#
        ),
        (
            "alice",
            #"{"type":"message.new","d":{"body":"plain channel msg","channel":"smoke-605077""#
                + #","channel_type":"channel","from":"alice","id":9,"sent_at":"2026-12-03T15:34:19"#
                + #"Z"}}"#
        ),
        (
            "bot",
            #"{"type":"reply","d":{"permissions":["channel_list","create_channel","dm_list","#
                + #""dm_open","history","join_channel","mark_read","send_message","unread_counts","#
                + #""unread_messages","user_list"]},"ref":"b1","ok":true}"#
        ),
        ("bot", #"{"type":"reply","ref":"b2","ok":true}"#),
        ("alice", #"{"type":"presence","d":{"state":"idle","status":"online","username":"bot"}}"#),
        ("alice", #"{"type":"reply","d":{"id":10},"ref":"a37","ok":true}"#),
        (
            "bot/presence",
            #"{"d":{"channel":"smoke-605077","channel_type":"channel","from":"alice","messag"#
                + #"e_id":10},"type":"message.new"}"#
        ),
        (
            "bot",
            #"{"type":"message.new","d":{"body":"for the bot too","channel":"smoke-605077",""#
                + #"channel_type":"channel","from":"alice","id":10,"sent_at":"2026-12-03T15:34:20Z"#
                + #""}}"#
        ),
        (
            "alice",
            #"{"type":"message.new","d":{"body":"for the bot too","channel":"smoke-605077",""#
                + #"channel_type":"channel","from":"alice","id":10,"sent_at":"2026-12-03T15:34:20Z"#
                + #""}}"#
        ),
        ("alice", #"{"type":"presence","d":{"status":"offline","username":"bot"}}"#),
        ("bob", #"{"type":"presence","d":{"state":"idle","status":"online","username":"bot"}}"#),
        (
            "bob",
            #"{"type":"message.new","d":{"body":"for the bot too","channel":"smoke-605077",""#
                + #"channel_type":"channel","from":"alice","id":10,"sent_at":"2026-12-03T15:34:20Z"#
                + #""}}"#
        ),
        ("bob", #"{"type":"presence","d":{"status":"offline","username":"bot"}}"#),
        (
            "bob/notif",
            #"{"type":"error","d":{"message":"notification-only connection"},"ref":"b1","ok""#
                + #":false}"#
        ),
        (
            "bob/notif",
            #"{"type":"reply","d":{"counts":[{"channel":"smoke-605077","type":"channel","unr"#
                + #"ead_count":4,"mention_count":1},{"channel":"dm-alice-bob","type":"dm","unread_"#
                + #"count":2,"mention_count":0}]},"ref":"b2","ok":true}"#
        ),
        (
            "bob/notif",
            #"{"type":"error","d":{"message":"notification-only connection"},"ref":"b3","ok""#
                + #":false}"#
        ),
        ("alice", #"{"type":"reply","d":{"id":11},"ref":"a38","ok":true}"#),
        (
            "bob/notif",
            #"{"type":"message.new","d":{"body":"who gets this?","channel":"smoke-605077","c"#
                + #"hannel_type":"channel","from":"alice","id":11,"sent_at":"2026-12-03T15:34:21Z""#
                + #"}}"#
        ),
        (
            "alice",
            #"{"type":"message.new","d":{"body":"who gets this?","channel":"smoke-605077","c"#
                + #"hannel_type":"channel","from":"alice","id":11,"sent_at":"2026-12-03T15:34:21Z""#
                + #"}}"#
        ),
        ("alice", #"{"type":"presence","d":{"status":"offline","username":"bob"}}"#),
        ("alice", #"{"type":"reply","d":{"id":12},"ref":"a39","ok":true}"#),
        ("bob", #"{"type":"pong","ref":"b37","ok":true}"#),
        (
            "alice",
            #"{"type":"message.new","d":{"body":"after notif closed","channel":"smoke-605077"#
                + #"","channel_type":"channel","from":"alice","id":12,"sent_at":"2026-12-03T15:34:"#
                + #"22Z"}}"#
        ),
    ]

    /// The frame `receiver` got with `ref` (refs repeat across connections).
    static func reply(to receiver: String, ref: String) -> String? {
        all.first { $0.receiver == receiver && $0.frame.contains(#""ref":"\#(ref)""#) }?.frame
    }

    /// Every distinct `/ws` push of `type` (frames without a ref).
    static func pushes(ofType type: String) -> [String] {
        let pushes = all.filter { entry in
            !entry.receiver.hasSuffix("/presence") && !entry.frame.contains(#""ref":"#)
        }
        return pushes.map(\.frame).filter { $0.hasPrefix(#"{"type":"\#(type)""#) }
    }
}
