// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

// A verbatim copy of /work/shared/upstream-transcript.txt: a real Sharkfin server's
// answers, the authority the dev server is checked against. Kept as a Swift literal
// because the test target declares no resources; lines longer than the style's 100
// columns are continued with `\#` escapes, which join them back without a line break.

/// The recorded transcript of a run against a real Sharkfin server.
let upstreamTranscript = #"""

    ==============================================================================
    == 0. HTTP-level auth (Passport middleware) and REST register
    ==============================================================================
    >>> WS upgrade GET /ws headers={}   (no Authorization header)
    <<< HTTP 401 Unauthorized; Content-Type: application/json; body: '{"error":"auth: missing Au\#
    thorization header"}\n'
       ok   no header -> 401
    >>> WS upgrade GET /ws headers={"Authorization": "ApiKey-v1 wrong-key"}   (unknown api key)
    <<< HTTP 401 Unauthorized; Content-Type: application/json; body: '{"error":"auth: invalid to\#
    ken"}\n'
       ok   wrong key -> 401
    >>> WS upgrade GET /ws headers={"Authorization": "Bearer key-alice"}   (valid key under Bear\#
    er scheme)
    <<< HTTP 401 Unauthorized; Content-Type: application/json; body: '{"error":"auth: invalid to\#
    ken"}\n'
       ok   api key sent as Bearer -> 401 (scheme dispatch, no fallthrough)
    >>> WS upgrade GET /ws headers={"Authorization": "apikey-v1 key-alice"}   (lower-case scheme\#
    )
    <<< HTTP 401 Unauthorized; Content-Type: application/json; body: '{"error":"auth: invalid to\#
    ken"}\n'
       ok   scheme is case-sensitive -> 401
    >>> HTTP POST /api/v1/auth/register {"Authorization": "ApiKey-v1 wrong-key"}
    <<< HTTP 401 Content-Type: application/json body: '{"error":"auth: invalid token"}\n'
       ok   REST with wrong key -> 401
    >>> HTTP POST /api/v1/auth/register {"Authorization": "ApiKey-v1 key-alice"}
    <<< HTTP 201 Content-Type: application/json body: '{"id":"bb3fe9bf27e3c736e4b75e7c6642ac47",\#
    "role":"admin","type":"user","username":"alice"}\n'
       ok   REST register alice -> 201 {id,username,type,role}
    >>> HTTP GET /api/v1/channels Authorization: Bearer <RS256 JWT for carol from the stub>
    <<< HTTP 200 '[{"id":1,"name":"general","public":true,"member":false}]\n'
       ok   valid JWT via Bearer -> 200

    ==============================================================================
    == 1. connect alice and bob; presence push on connect
    ==============================================================================
    [  0.035s] alice: connected /ws (HTTP 101)
    [  0.039s] bob: connected /ws (HTTP 101)
    <<< alice: {"type":"presence","d":{"state":"idle","status":"online","username":"bob"}}
       ok   alice got presence {username:bob,status:online,state:idle} (no ref, no ok)
       ok   bob got no presence push about himself

    ==============================================================================
    == 2. version, ping, capabilities
    ==============================================================================
    >>> alice: {"type":"version","ref":"a1"}
    <<< alice: {"type":"reply","d":{"version":"dev-6e44a7d"},"ref":"a1","ok":true}
       ok   version -> reply {version}
    >>> alice: {"type":"ping","ref":"a2"}
    <<< alice: {"type":"pong","ref":"a2","ok":true}
       ok   ping -> {type:pong,ref,ok:true} (no d)
    >>> alice: {"type":"capabilities","ref":"a3"}
    <<< alice: {"type":"reply","d":{"permissions":["channel_list","create_channel","dm_list","dm\#
    _open","history","invite_channel","join_channel","manage_roles","mark_read","send_message","\#
    unread_counts","unread_messages","user_list"]},"ref":"a3","ok":true}
       ok   alice (admin) capabilities include manage_roles
    >>> bob: {"type":"capabilities","ref":"b1"}
    <<< bob: {"type":"reply","d":{"permissions":["channel_list","dm_list","dm_open","history","i\#
    nvite_channel","join_channel","mark_read","send_message","unread_counts","unread_messages","\#
    user_list"]},"ref":"b1","ok":true}
       ok   bob (fresh user) capabilities: no create_channel/manage_roles
       fresh 'user' permissions: ['channel_list', 'dm_list', 'dm_open', 'history', 'invite_chann\#
    el', 'join_channel', 'mark_read', 'send_message', 'unread_counts', 'unread_messages', 'user_\#
    list']

    ==============================================================================
    == 3. user_list, channel_list
    ==============================================================================
    >>> alice: {"type":"user_list","ref":"a4"}
    <<< alice: {"type":"reply","d":{"users":[{"username":"admin","online":false,"type":"user"},{\#
    "username":"agent1","online":false,"type":"agent"},{"username":"alice","online":false,"type"\#
    :"user"},{"username":"bob","online":false,"type":"user"},{"username":"bot","online":false,"t\#
    ype":"service"},{"username":"carol","online":false,"type":"user"}]},"ref":"a4","ok":true}
       ok   user_list -> {users:[{username,online,type,state?}]}
       ok   bob is listed online:false although connected on /ws (online = /presence connection)
    >>> bob: {"type":"channel_list","ref":"b2"}
    <<< bob: {"type":"reply","d":{"channels":[{"name":"general","public":true,"member":false}]},\#
    "ref":"b2","ok":true}
       ok   channel_list shows seeded 'general'

    ==============================================================================
    == 4. channel_create (public), permissions, duplicates
    ==============================================================================
    >>> bob: {"type":"channel_create","ref":"b3","d":{"name":"smoke-605077-bob","public":true}}
    <<< bob: {"type":"error","d":{"message":"permission denied: create_channel"},"ref":"b3","ok"\#
    :false}
       ok   bob (user) channel_create -> permission denied: create_channel
    >>> alice: {"type":"channel_create","ref":"a5","d":{"name":"smoke-605077","public":true}}
    <<< alice: {"type":"reply","d":{"name":"smoke-605077"},"ref":"a5","ok":true}
       ok   alice channel_create -> reply {name}
    >>> alice: {"type":"channel_create","ref":"a6","d":{"name":"smoke-605077","public":true}}
    <<< alice: {"type":"error","d":{"message":"insert channel: ERROR: duplicate key value violat\#
    es unique constraint \"idx_channels_name\" (SQLSTATE 23505)"},"ref":"a6","ok":false}
       ok   duplicate channel_create -> error (raw DB error text)
    >>> alice: {"type":"channel_create","ref":"a7","d":{"name":"solo-605077","public":true}}
    <<< alice: {"type":"reply","d":{"name":"solo-605077"},"ref":"a7","ok":true}
       ok   alice creates a second public channel (bob stays out)
    >>> alice: {"type":"channel_create","ref":"a8","d":{"name":"smoke-605077-bad","public":"yes"\#
    }}
    <<< alice: {"type":"error","d":{"message":"invalid arguments"},"ref":"a8","ok":false}
       ok   wrongly typed argument -> invalid arguments

    ==============================================================================
    == 5. channel_join
    ==============================================================================
    >>> bob: {"type":"send_message","ref":"b4","d":{"channel":"smoke-605077","body":"before join\#
    "}}
    <<< bob: {"type":"error","d":{"message":"you are not a participant of this channel"},"ref":"\#
    b4","ok":false}
       ok   send before join -> not a participant
    >>> bob: {"type":"channel_join","ref":"b5","d":{"channel":"smoke-605077"}}
    <<< bob: {"type":"reply","ref":"b5","ok":true}
       ok   bob channel_join -> reply ok, no d
    >>> bob: {"type":"channel_join","ref":"b6","d":{"channel":"smoke-605077"}}
    <<< bob: {"type":"error","d":{"message":"already a member"},"ref":"b6","ok":false}
       ok   join again -> already a member
    >>> bob: {"type":"channel_join","ref":"b7","d":{"channel":"no-such-channel"}}
    <<< bob: {"type":"error","d":{"message":"channel not found: no-such-channel"},"ref":"b7","ok\#
    ":false}
       ok   join unknown channel -> error

    ==============================================================================
    == 6. send_message -> message.new push (incl. sender echo)
    ==============================================================================
    >>> alice: {"type":"send_message","ref":"a9","d":{"channel":"smoke-605077","body":"hello @bo\#
    b"}}
    <<< alice: {"type":"reply","d":{"id":1},"ref":"a9","ok":true}
       ok   send_message -> reply {id}
    <<< bob: {"type":"message.new","d":{"body":"hello @bob","channel":"smoke-605077","channel_ty\#
    pe":"channel","from":"alice","id":1,"mentions":["bob"],"sent_at":"2026-12-03T15:34:16Z"}}
       ok   bob got message.new {id,channel,channel_type,from,body,sent_at,mentions}
    <<< alice: {"type":"message.new","d":{"body":"hello @bob","channel":"smoke-605077","channel_\#
    type":"channel","from":"alice","id":1,"mentions":["bob"],"sent_at":"2026-12-03T15:34:16Z"}}
       ok   sender (alice) also receives her own message.new
    >>> alice: {"type":"send_message","ref":"a10","d":{"channel":"smoke-605077","body":"threaded\#
     reply","thread_id":1,"metadata":"{\"k\": 1}"}}
    <<< alice: {"type":"reply","d":{"id":2},"ref":"a10","ok":true}
       ok   send_message with thread_id + metadata (JSON string)
    <<< bob: {"type":"message.new","d":{"body":"threaded reply","channel":"smoke-605077","channe\#
    l_type":"channel","from":"alice","id":2,"metadata":"{\"k\": 1}","sent_at":"2026-12-03T15:34:\#
    16Z","thread_id":1}}
       ok   push carries thread_id and metadata as a string
    >>> alice: {"type":"send_message","ref":"a11","d":{"channel":"smoke-605077","body":"obj meta\#
    ","metadata":{"k":1}}}
    <<< alice: {"type":"message.new","d":{"body":"threaded reply","channel":"smoke-605077","chan\#
    nel_type":"channel","from":"alice","id":2,"metadata":"{\"k\": 1}","sent_at":"2026-12-03T15:3\#
    4:16Z","thread_id":1}}
    <<< alice: {"type":"error","d":{"message":"invalid arguments"},"ref":"a11","ok":false}
       ok   metadata as JSON object -> invalid arguments
    >>> alice: {"type":"send_message","ref":"a12","d":{"channel":"smoke-605077","body":""}}
    <<< alice: {"type":"reply","d":{"id":3},"ref":"a12","ok":true}
       ok   empty body is accepted
    <<< bob: {"type":"message.new","d":{"body":"","channel":"smoke-605077","channel_type":"chann\#
    el","from":"alice","id":3,"sent_at":"2026-12-03T15:34:16Z"}}
    >>> alice: {"type":"send_message","ref":"a13"}
    <<< alice: {"type":"message.new","d":{"body":"","channel":"smoke-605077","channel_type":"cha\#
    nnel","from":"alice","id":3,"sent_at":"2026-12-03T15:34:16Z"}}
    <<< alice: {"type":"error","d":{"message":"invalid arguments"},"ref":"a13","ok":false}
       ok   send_message without d -> invalid arguments
    >>> bob: {"type":"send_message","ref":"b8","d":{"channel":"solo-605077","body":"x"}}
    <<< bob: {"type":"error","d":{"message":"you are not a participant of this channel"},"ref":"\#
    b8","ok":false}
       ok   public channel not joined -> not a participant

    ==============================================================================
    == 7. history
    ==============================================================================
    >>> bob: {"type":"history","ref":"b9","d":{"channel":"smoke-605077"}}
    <<< bob: {"type":"reply","d":{"channel":"smoke-605077","messages":[{"id":1,"from":"alice","b\#
    ody":"hello @bob","sent_at":"2026-12-03T15:34:16Z","mentions":["bob"]},{"id":2,"from":"alice\#
    ","body":"threaded reply","sent_at":"2026-12-03T15:34:16Z","thread_id":1,"metadata":"{\"k\":\#
     1}"},{"id":3,"from":"alice","body":"","sent_at":"2026-12-03T15:34:16Z"}]},"ref":"b9","ok":t\#
    rue}
       ok   history -> {channel, messages:[...]}
       order of ids: [1, 2, 3]
    >>> bob: {"type":"history","ref":"b10","d":{"channel":"smoke-605077","limit":1}}
    <<< bob: {"type":"reply","d":{"channel":"smoke-605077","messages":[{"id":3,"from":"alice","b\#
    ody":"","sent_at":"2026-12-03T15:34:16Z"}]},"ref":"b10","ok":true}
       ok   history limit 1
    >>> bob: {"type":"history","ref":"b11","d":{"channel":"smoke-605077","after":1}}
    <<< bob: {"type":"reply","d":{"channel":"smoke-605077","messages":[{"id":2,"from":"alice","b\#
    ody":"threaded reply","sent_at":"2026-12-03T15:34:16Z","thread_id":1,"metadata":"{\"k\": 1}"\#
    },{"id":3,"from":"alice","body":"","sent_at":"2026-12-03T15:34:16Z"}]},"ref":"b11","ok":true\#
    }
       ok   history after=<id>
    >>> bob: {"type":"history","ref":"b12","d":{"channel":"smoke-605077","thread_id":1}}
    <<< bob: {"type":"reply","d":{"channel":"smoke-605077","messages":[{"id":2,"from":"alice","b\#
    ody":"threaded reply","sent_at":"2026-12-03T15:34:16Z","thread_id":1,"metadata":"{\"k\": 1}"\#
    }]},"ref":"b12","ok":true}
       ok   history thread_id filter
    >>> bob: {"type":"history","ref":"b13","d":{"channel":"solo-605077"}}
    <<< bob: {"type":"error","d":{"message":"you are not a participant of this channel"},"ref":"\#
    b13","ok":false}
       ok   history of non-member channel -> error

    ==============================================================================
    == 8. unread_counts, unread_messages, mark_read
    ==============================================================================
    >>> bob: {"type":"unread_counts","ref":"b14"}
    <<< bob: {"type":"reply","d":{"counts":[{"channel":"smoke-605077","type":"channel","unread_c\#
    ount":3,"mention_count":1}]},"ref":"b14","ok":true}
       ok   unread_counts -> {counts:[{channel,type,unread_count,mention_count}]}
    >>> bob: {"type":"unread_messages","ref":"b15","d":{"channel":"smoke-605077","mentions_only"\#
    :true}}
    <<< bob: {"type":"reply","d":{"messages":[{"channel":"smoke-605077","from":"alice","body":"h\#
    ello @bob","sent_at":"2026-12-03T15:34:16Z","mentions":["bob"]}]},"ref":"b15","ok":true}
       ok   unread_messages mentions_only
    >>> bob: {"type":"unread_counts","ref":"b16"}
    <<< bob: {"type":"reply","d":{"counts":[{"channel":"smoke-605077","type":"channel","unread_c\#
    ount":3,"mention_count":1}]},"ref":"b16","ok":true}
    >>> bob: {"type":"unread_messages","ref":"b17","d":{"channel":"smoke-605077"}}
    <<< bob: {"type":"reply","d":{"messages":[{"channel":"smoke-605077","from":"alice","body":"h\#
    ello @bob","sent_at":"2026-12-03T15:34:16Z","mentions":["bob"]},{"channel":"smoke-605077","f\#
    rom":"alice","body":"threaded reply","sent_at":"2026-12-03T15:34:16Z","thread_id":1,"metadat\#
    a":"{\"k\": 1}"},{"channel":"smoke-605077","from":"alice","body":"","sent_at":"2026-12-03T15\#
    :34:16Z"}]},"ref":"b17","ok":true}
       ok   unread_messages {channel} -> {messages:[{channel,from,body,sent_at,...}]} (no id)
    >>> bob: {"type":"unread_messages","ref":"b18","d":{"channel":"smoke-605077"}}
    <<< bob: {"type":"reply","d":{"messages":null},"ref":"b18","ok":true}
       ok   second unread_messages is empty: the first one advanced the cursor
    >>> bob: {"type":"unread_counts","ref":"b19"}
    <<< bob: {"type":"reply","d":{"counts":null},"ref":"b19","ok":true}
    >>> alice: {"type":"send_message","ref":"a14","d":{"channel":"smoke-605077","body":"one more\#
    "}}
    <<< alice: {"type":"reply","d":{"id":4},"ref":"a14","ok":true}
    <<< bob: {"type":"message.new","d":{"body":"one more","channel":"smoke-605077","channel_type\#
    ":"channel","from":"alice","id":4,"sent_at":"2026-12-03T15:34:16Z"}}
    >>> bob: {"type":"unread_counts","ref":"b20"}
    <<< bob: {"type":"reply","d":{"counts":[{"channel":"smoke-605077","type":"channel","unread_c\#
    ount":1,"mention_count":0}]},"ref":"b20","ok":true}
    >>> bob: {"type":"mark_read","ref":"b21","d":{"channel":"smoke-605077"}}
    <<< bob: {"type":"reply","ref":"b21","ok":true}
       ok   mark_read {channel} -> reply ok, no d
    >>> bob: {"type":"unread_counts","ref":"b22"}
    <<< bob: {"type":"reply","d":{"counts":null},"ref":"b22","ok":true}
    >>> bob: {"type":"mark_read","ref":"b23","d":{}}
    <<< bob: {"type":"error","d":{"message":"channel is required"},"ref":"b23","ok":false}
       ok   mark_read without channel -> channel is required
    >>> bob: {"type":"unread_messages","ref":"b24"}
    <<< bob: {"type":"reply","d":{"messages":null},"ref":"b24","ok":true}
       ok   unread_messages without d (all channels)
    <<< alice: {"type":"message.new","d":{"body":"one more","channel":"smoke-605077","channel_ty\#
    pe":"channel","from":"alice","id":4,"sent_at":"2026-12-03T15:34:16Z"}}

    ==============================================================================
    == 9. dm_open, dm_list, DM push
    ==============================================================================
    >>> alice: {"type":"dm_open","ref":"a15","d":{"username":"bob"}}
    <<< alice: {"type":"reply","d":{"channel":"dm-alice-bob","created":true,"participant":"bob"}\#
    ,"ref":"a15","ok":true}
       ok   dm_open -> {channel,participant,created} (created:true on a fresh DB)
    >>> alice: {"type":"dm_open","ref":"a16","d":{"username":"bob"}}
    <<< alice: {"type":"reply","d":{"channel":"dm-alice-bob","created":false,"participant":"bob"\#
    },"ref":"a16","ok":true}
       ok   dm_open again -> created:false, same channel
    >>> bob: {"type":"dm_open","ref":"b25","d":{"username":"alice"}}
    <<< bob: {"type":"reply","d":{"channel":"dm-alice-bob","created":false,"participant":"alice"\#
    },"ref":"b25","ok":true}
       ok   dm_open from the other side -> same channel
    >>> alice: {"type":"dm_open","ref":"a17","d":{"username":"alice"}}
    <<< alice: {"type":"error","d":{"message":"cannot open DM with yourself"},"ref":"a17","ok":f\#
    alse}
       ok   dm_open self -> error
    >>> alice: {"type":"dm_open","ref":"a18","d":{"username":"nobody"}}
    <<< alice: {"type":"error","d":{"message":"user not found: nobody"},"ref":"a18","ok":false}
       ok   dm_open unknown -> user not found
    >>> bob: {"type":"dm_list","ref":"b26"}
    <<< bob: {"type":"reply","d":{"dms":[{"channel":"dm-alice-bob","participant":"alice"}]},"ref\#
    ":"b26","ok":true}
       ok   dm_list -> {dms:[{channel,participant}]}
    >>> alice: {"type":"send_message","ref":"a19","d":{"channel":"dm-alice-bob","body":"psst"}}
    <<< alice: {"type":"reply","d":{"id":5},"ref":"a19","ok":true}
    <<< bob: {"type":"message.new","d":{"body":"psst","channel":"dm-alice-bob","channel_type":"d\#
    m","from":"alice","id":5,"sent_at":"2026-12-03T15:34:16Z"}}
       ok   DM push has channel_type dm
    <<< alice: {"type":"message.new","d":{"body":"psst","channel":"dm-alice-bob","channel_type":\#
    "dm","from":"alice","id":5,"sent_at":"2026-12-03T15:34:16Z"}}

    ==============================================================================
    == 10. set_state -> presence push
    ==============================================================================
    >>> bob: {"type":"set_state","ref":"b27","d":{"state":"active"}}
    <<< bob: {"type":"reply","ref":"b27","ok":true}
       ok   set_state active -> reply ok
    <<< alice: {"type":"presence","d":{"state":"active","status":"online","username":"bob"}}
       ok   alice got presence {bob,online,active}
    >>> bob: {"type":"set_state","ref":"b28","d":{"state":"away"}}
    <<< bob: {"type":"error","d":{"message":"state must be 'active' or 'idle'"},"ref":"b28","ok"\#
    :false}
       ok   set_state bogus -> error
    >>> alice: {"type":"user_list","ref":"a20"}
    <<< alice: {"type":"reply","d":{"users":[{"username":"admin","online":false,"type":"user"},{\#
    "username":"agent1","online":false,"type":"agent"},{"username":"alice","online":false,"type"\#
    :"user"},{"username":"bob","online":false,"type":"user"},{"username":"bot","online":false,"t\#
    ype":"service"},{"username":"carol","online":false,"type":"user"}]},"ref":"a20","ok":true}

    ==============================================================================
    == 11. mention groups
    ==============================================================================
    >>> alice: {"type":"mention_group_create","ref":"a21","d":{"slug":"team-605077"}}
    <<< alice: {"type":"reply","d":{"id":1,"slug":"team-605077"},"ref":"a21","ok":true}
       ok   mention_group_create -> {id,slug}
    >>> alice: {"type":"mention_group_create","ref":"a22","d":{"slug":"bob"}}
    <<< alice: {"type":"error","d":{"message":"slug conflicts with existing username: bob"},"ref\#
    ":"a22","ok":false}
       ok   slug = username -> conflict
    >>> alice: {"type":"mention_group_create","ref":"a23","d":{"slug":"bad slug!"}}
    <<< alice: {"type":"error","d":{"message":"invalid slug: must match [a-zA-Z0-9_-]+"},"ref":"\#
    a23","ok":false}
       ok   invalid slug -> error
    >>> alice: {"type":"mention_group_add_member","ref":"a24","d":{"slug":"team-605077","usernam\#
    e":"bob"}}
    <<< alice: {"type":"reply","ref":"a24","ok":true}
       ok   add member bob
    >>> bob: {"type":"mention_group_add_member","ref":"b29","d":{"slug":"team-605077","username"\#
    :"carol"}}
    <<< bob: {"type":"error","d":{"message":"only the group creator can manage members"},"ref":"\#
    b29","ok":false}
       ok   non-creator add -> error
    >>> bob: {"type":"mention_group_get","ref":"b30","d":{"slug":"team-605077"}}
    <<< bob: {"type":"reply","d":{"id":1,"slug":"team-605077","created_by":"alice","members":["b\#
    ob"],"created_at":"2026-12-03T15:34:17.045921Z"},"ref":"b30","ok":true}
       ok   mention_group_get -> {id,slug,created_by,members}
    >>> bob: {"type":"mention_group_list","ref":"b31"}
    <<< bob: {"type":"reply","d":{"groups":[{"id":1,"slug":"team-605077","created_by":"alice","m\#
    embers":["bob"],"created_at":"2026-12-03T15:34:17.045921Z"}]},"ref":"b31","ok":true}
       ok   mention_group_list -> {groups:[...]}
    >>> alice: {"type":"send_message","ref":"a25","d":{"channel":"smoke-605077","body":"ping @te\#
    am-605077 and @nobody"}}
    <<< alice: {"type":"reply","d":{"id":6},"ref":"a25","ok":true}
    <<< bob: {"type":"message.new","d":{"body":"ping @team-605077 and @nobody","channel":"smoke-\#
    605077","channel_type":"channel","from":"alice","id":6,"mentions":["team-605077"],"sent_at":\#
    "2026-12-03T15:34:17Z"}}
       ok   group mention: mentions lists the slug
    >>> bob: {"type":"mention_group_delete","ref":"b32","d":{"slug":"team-605077"}}
    <<< bob: {"type":"error","d":{"message":"only the group creator can delete it"},"ref":"b32",\#
    "ok":false}
       ok   non-creator delete -> error
    >>> alice: {"type":"mention_group_remove_member","ref":"a26","d":{"slug":"team-605077","user\#
    name":"bob"}}
    <<< alice: {"type":"message.new","d":{"body":"ping @team-605077 and @nobody","channel":"smok\#
    e-605077","channel_type":"channel","from":"alice","id":6,"mentions":["team-605077"],"sent_at\#
    ":"2026-12-03T15:34:17Z"}}
    <<< alice: {"type":"reply","ref":"a26","ok":true}
       ok   remove member
    >>> alice: {"type":"mention_group_delete","ref":"a27","d":{"slug":"team-605077"}}
    <<< alice: {"type":"reply","ref":"a27","ok":true}
       ok   delete group
    >>> alice: {"type":"mention_group_get","ref":"a28","d":{"slug":"team-605077"}}
    <<< alice: {"type":"error","d":{"message":"mention group not found: team-605077"},"ref":"a28\#
    ","ok":false}
       ok   get deleted group -> error

    ==============================================================================
    == 12. protocol errors: unknown type, invalid JSON, missing ref, admin-only ops
    ==============================================================================
    >>> alice: {"type":"bogus_op","ref":"a29"}
    <<< alice: {"type":"error","d":{"message":"unknown type: bogus_op"},"ref":"a29","ok":false}
       ok   unknown type -> error envelope with ref
    >>> alice: this is not json
    <<< alice: {"type":"error","d":{"message":"invalid JSON"},"ok":false}
       ok   invalid JSON -> error with no ref
    >>> alice: {"type":"ping"}
    <<< alice: {"type":"pong","ok":true}
       ok   request without ref -> reply without ref
    >>> alice: {"type":"version","ref":7}
    <<< alice: {"type":"error","d":{"message":"invalid JSON"},"ok":false}
       ok   non-string ref -> invalid JSON (no ref)
    >>> alice: [1,2]
    <<< alice: {"type":"error","d":{"message":"invalid JSON"},"ok":false}
       ok   JSON array -> invalid JSON
    >>> alice: {"ref":"x9"}
    <<< alice: {"type":"error","d":{"message":"unknown type: "},"ref":"x9","ok":false}
       ok   missing type -> unknown type: (empty)
    >>> bob: {"type":"get_settings","ref":"b33"}
    <<< bob: {"type":"error","d":{"message":"permission denied: manage_roles"},"ref":"b33","ok":\#
    false}
       ok   bob get_settings -> permission denied: manage_roles
    >>> alice: {"type":"get_settings","ref":"a30"}
    <<< alice: {"type":"reply","d":{"settings":{}},"ref":"a30","ok":true}
       ok   alice (admin) get_settings

    ==============================================================================
    == 13. private channel / invite
    ==============================================================================
    >>> alice: {"type":"channel_create","ref":"a31","d":{"name":"priv-605077","public":false,"me\#
    mbers":["carol"]}}
    <<< alice: {"type":"reply","d":{"name":"priv-605077"},"ref":"a31","ok":true}
       ok   create private channel with members
    >>> bob: {"type":"channel_list","ref":"b34"}
    <<< bob: {"type":"reply","d":{"channels":[{"name":"general","public":true,"member":false},{"\#
    name":"priv-605077","public":false,"member":false},{"name":"smoke-605077","public":true,"mem\#
    ber":true},{"name":"solo-605077","public":true,"member":false}]},"ref":"b34","ok":true}
       NOTE: private channel as seen by a non-member in channel_list: [{'name': 'priv-605077', '\#
    public': False, 'member': False}]
    >>> alice: {"type":"channel_invite","ref":"a32","d":{"channel":"priv-605077","username":"bob\#
    "}}
    <<< alice: {"type":"reply","ref":"a32","ok":true}
       ok   channel_invite {channel,username} -> reply ok
    >>> alice: {"type":"channel_invite","ref":"a33","d":{"channel":"priv-605077","username":"bob\#
    "}}
    <<< alice: {"type":"error","d":{"message":"add member: ERROR: duplicate key value violates u\#
    nique constraint \"channel_members_pkey\" (SQLSTATE 23505)"},"ref":"a33","ok":false}
       ok   invite an existing member -> error (raw DB error text)
    [  1.330s] agent1: connected /ws (HTTP 101)
    >>> agent1: {"type":"channel_join","ref":"a1","d":{"channel":"priv-605077"}}
    <<< agent1: {"type":"reply","ref":"a1","ok":true}
       NOTE: channel_join on a PRIVATE channel by a non-member -> reply (no public check in the \#
    handler)
    >>> bob: {"type":"channel_join","ref":"b35","d":{"channel":"general"}}
    <<< bob: {"type":"presence","d":{"state":"idle","status":"online","username":"agent1"}}
    <<< bob: {"type":"presence","d":{"status":"offline","username":"agent1"}}
    <<< bob: {"type":"reply","ref":"b35","ok":true}
       ok   bob joins seeded 'general' (already a member on a reused DB)
    <<< alice: {"type":"presence","d":{"state":"idle","status":"online","username":"agent1"}}
    <<< alice: {"type":"presence","d":{"status":"offline","username":"agent1"}}

    ==============================================================================
    == 14. REST send_message does NOT push message.new to /ws clients
    ==============================================================================
    >>> HTTP POST /api/v1/channels/smoke-605077/messages {"Authorization": "ApiKey-v1 key-alice"\#
    , "Content-Type": "application/json"} {"body": "via REST", "metadata": {"src": "rest"}}
    <<< HTTP 201 Content-Type: application/json body: '{"body":"via REST","id":7,"metadata":{"sr\#
    c":"rest"},"sent_at":"2026-12-03T15:34:17Z"}\n'
       ok   REST POST message -> 201 {id,body,metadata,sent_at}
       (bob: no message.new for REST message within 1.5s)
       ok   no message.new on /ws for the REST-sent message
    >>> bob: {"type":"history","ref":"b36","d":{"channel":"smoke-605077","limit":1}}
    <<< bob: {"type":"reply","d":{"channel":"smoke-605077","messages":[{"id":7,"from":"alice","b\#
    ody":"via REST","sent_at":"2026-12-03T15:34:17Z","metadata":"{\"src\":\"rest\"}"}]},"ref":"b\#
    36","ok":true}
       ok   ...but it is in history
    >>> HTTP GET /api/v1/channels/smoke-605077/messages?limit=2 {"Authorization": "ApiKey-v1 key\#
    -bob"}
    <<< HTTP 200 Content-Type: application/json body: '[{"id":6,"from":"alice","body":"ping @tea\#
    m-605077 and @nobody","sent_at":"2026-12-03T15:34:17Z"},{"id":7,"from":"alice","body":"via R\#
    EST","metadata":"{\\"src\\":\\"rest\\"}","sent_at":"2026-12-03T15:34:17Z"}]\n'
    >>> HTTP GET /api/v1/channels {"Authorization": "ApiKey-v1 key-bob"}
    <<< HTTP 200 Content-Type: application/json body: '[{"id":1,"name":"general","public":true,"\#
    member":true},{"id":6,"name":"priv-605077","public":false,"member":true},{"id":2,"name":"smo\#
    ke-605077","public":true,"member":true},{"id":4,"name":"solo-605077","public":true,"member":\#
    false}]\n'
    >>> HTTP POST /api/v1/channels/smoke-605077/messages {"Authorization": "ApiKey-v1 key-bob", \#
    "Content-Type": "application/json"} {"body": ""}
    <<< HTTP 400 Content-Type: text/plain; charset=utf-8 body: 'body is required\n'
    >>> HTTP POST /api/v1/channels/no-such/messages {"Authorization": "ApiKey-v1 key-bob", "Cont\#
    ent-Type": "application/json"} {"body": "x"}
    <<< HTTP 404 Content-Type: text/plain; charset=utf-8 body: 'channel not found\n'

    ==============================================================================
    == 15. /presence socket: online status and notification pointers
    ==============================================================================
    [  3.267s] bob/presence: connected /presence (HTTP 101)
    >>> alice: {"type":"user_list","ref":"a34"}
    <<< alice: {"type":"reply","d":{"users":[{"username":"admin","online":false,"type":"user"},{\#
    "username":"agent1","online":false,"type":"agent"},{"username":"alice","online":false,"type"\#
    :"user"},{"username":"bob","online":true,"type":"user","state":"active"},{"username":"bot","\#
    online":false,"type":"service"},{"username":"carol","online":false,"type":"user"}]},"ref":"a\#
    34","ok":true}
       ok   with a /presence socket bob is online (state from /ws set_state)
    >>> alice: {"type":"send_message","ref":"a35","d":{"channel":"dm-alice-bob","body":"dm while\#
     presence"}}
    <<< alice: {"type":"reply","d":{"id":8},"ref":"a35","ok":true}
    <<< bob/presence: {"d":{"channel":"dm-alice-bob","channel_type":"dm","from":"alice","message\#
    _id":8},"type":"message.new"}
       ok   /presence gets {type:message.new,d:{channel,channel_type,from,message_id}}
    <<< bob: {"type":"message.new","d":{"body":"dm while presence","channel":"dm-alice-bob","cha\#
    nnel_type":"dm","from":"alice","id":8,"sent_at":"2026-12-03T15:34:19Z"}}
    >>> alice: {"type":"send_message","ref":"a36","d":{"channel":"smoke-605077","body":"plain ch\#
    annel msg"}}
    <<< alice: {"type":"message.new","d":{"body":"dm while presence","channel":"dm-alice-bob","c\#
    hannel_type":"dm","from":"alice","id":8,"sent_at":"2026-12-03T15:34:19Z"}}
    <<< alice: {"type":"reply","d":{"id":9},"ref":"a36","ok":true}
       (bob/presence: no pointer for plain channel msg within 1.0s)
       ok   no /presence pointer for a plain (non-mention, non-DM) channel message to a user
    <<< bob: {"type":"message.new","d":{"body":"plain channel msg","channel":"smoke-605077","cha\#
    nnel_type":"channel","from":"alice","id":9,"sent_at":"2026-12-03T15:34:19Z"}}
    <<< alice: {"type":"message.new","d":{"body":"plain channel msg","channel":"smoke-605077","c\#
    hannel_type":"channel","from":"alice","id":9,"sent_at":"2026-12-03T15:34:19Z"}}

    ==============================================================================
    == 15b. service identity (key-bot -> role bot)
    ==============================================================================
    [  4.689s] bot: connected /ws (HTTP 101)
    >>> bot: {"type":"capabilities","ref":"b1"}
    <<< bot: {"type":"reply","d":{"permissions":["channel_list","create_channel","dm_list","dm_o\#
    pen","history","join_channel","mark_read","send_message","unread_counts","unread_messages","\#
    user_list"]},"ref":"b1","ok":true}
       ok   service identity gets role 'bot': create_channel yes, invite_channel/manage_roles no
    >>> bot: {"type":"channel_join","ref":"b2","d":{"channel":"smoke-605077"}}
    <<< bot: {"type":"reply","ref":"b2","ok":true}
       ok   bot joins the channel
    [  4.697s] bot/presence: connected /presence (HTTP 101)
    >>> alice: {"type":"send_message","ref":"a37","d":{"channel":"smoke-605077","body":"for the \#
    bot too"}}
    <<< alice: {"type":"presence","d":{"state":"idle","status":"online","username":"bot"}}
    <<< alice: {"type":"reply","d":{"id":10},"ref":"a37","ok":true}
    <<< bot/presence: {"d":{"channel":"smoke-605077","channel_type":"channel","from":"alice","me\#
    ssage_id":10},"type":"message.new"}
       ok   service members get a /presence pointer for every message in their channels
    <<< bot: {"type":"message.new","d":{"body":"for the bot too","channel":"smoke-605077","chann\#
    el_type":"channel","from":"alice","id":10,"sent_at":"2026-12-03T15:34:20Z"}}
    <<< alice: {"type":"message.new","d":{"body":"for the bot too","channel":"smoke-605077","cha\#
    nnel_type":"channel","from":"alice","id":10,"sent_at":"2026-12-03T15:34:20Z"}}
    <<< alice: {"type":"presence","d":{"status":"offline","username":"bot"}}
    <<< bob: {"type":"presence","d":{"state":"idle","status":"online","username":"bot"}}
    <<< bob: {"type":"message.new","d":{"body":"for the bot too","channel":"smoke-605077","chann\#
    el_type":"channel","from":"alice","id":10,"sent_at":"2026-12-03T15:34:20Z"}}
    <<< bob: {"type":"presence","d":{"status":"offline","username":"bot"}}

    ==============================================================================
    == 16. notifications_only session
    ==============================================================================
    [  5.315s] bob/notif: connected /ws?notifications_only=true (HTTP 101)
    >>> bob/notif: {"type":"user_list","ref":"b1"}
    <<< bob/notif: {"type":"error","d":{"message":"notification-only connection"},"ref":"b1","ok\#
    ":false}
       ok   user_list blocked
    >>> bob/notif: {"type":"unread_counts","ref":"b2"}
    <<< bob/notif: {"type":"reply","d":{"counts":[{"channel":"smoke-605077","type":"channel","un\#
    read_count":4,"mention_count":1},{"channel":"dm-alice-bob","type":"dm","unread_count":2,"men\#
    tion_count":0}]},"ref":"b2","ok":true}
       ok   unread_counts allowed
    >>> bob/notif: {"type":"mention_group_list","ref":"b3"}
    <<< bob/notif: {"type":"error","d":{"message":"notification-only connection"},"ref":"b3","ok\#
    ":false}
       ok   mention groups blocked
    >>> alice: {"type":"send_message","ref":"a38","d":{"channel":"smoke-605077","body":"who gets\#
     this?"}}
    <<< alice: {"type":"presence","d":{"state":"idle","status":"online","username":"bob"}}
    <<< alice: {"type":"reply","d":{"id":11},"ref":"a38","ok":true}
    <<< bob/notif: {"type":"message.new","d":{"body":"who gets this?","channel":"smoke-605077","\#
    channel_type":"channel","from":"alice","id":11,"sent_at":"2026-12-03T15:34:21Z"}}
       (bob: no push within 1.0s)
       ok   the NEWER connection for bob (notif) takes bob's pushes; old one gets none
    <<< alice: {"type":"message.new","d":{"body":"who gets this?","channel":"smoke-605077","chan\#
    nel_type":"channel","from":"alice","id":11,"sent_at":"2026-12-03T15:34:21Z"}}
    <<< alice: {"type":"presence","d":{"status":"offline","username":"bob"}}
       ok   closing the 2nd connection announces bob offline although his 1st is open
    >>> alice: {"type":"send_message","ref":"a39","d":{"channel":"smoke-605077","body":"after no\#
    tif closed"}}
    <<< alice: {"type":"reply","d":{"id":12},"ref":"a39","ok":true}
       (bob: no push within 1.5s)
       ok   bob's original connection is now orphaned: no pushes until it reconnects
    >>> bob: {"type":"ping","ref":"b37"}
    <<< bob: {"type":"pong","ref":"b37","ok":true}
       ok   ...although it still gets replies
    <<< alice: {"type":"message.new","d":{"body":"after notif closed","channel":"smoke-605077","\#
    channel_type":"channel","from":"alice","id":12,"sent_at":"2026-12-03T15:34:22Z"}}

    ==============================================================================
    == 17. close handshake
    ==============================================================================
    [  8.037s] bob2: connected /ws (HTTP 101)
       bob2 sent close 1000; server close frame: code=1000 reason=''
       ok   server echoes the close code (gorilla default close handler)
    <<< alice: {"type":"presence","d":{"state":"idle","status":"online","username":"bob"}}
    <<< alice: {"type":"presence","d":{"status":"offline","username":"bob"}}
       ok   alice gets presence offline for bob
       alice close: server close frame code=1000

    ==============================================================================
    == 18. keepalive: server ping interval, and no-pong drop (takes ~22 s)
    ==============================================================================
    [  8.050s] carol: connected /ws (HTTP 101)
       ok   a client that answers pings stays connected past the 20 s timeout
       carol (auto-pong client): server PINGs at t=[10.0, 20.0] s after open
       ok   server pings every ~10 s (presence-timeout 20s / 2), empty payload
       raw client that never pongs (but sends data every 4 s): upgrade 'HTTP/1.1 101 Switching P\#
    rotocols'
         t=  0.00s sent app ping op (data)
         t=  0.00s text b'{"type":"pong","ref":"k0","ok":true}'
         t=  4.01s sent app ping op (data)
         t=  4.01s text b'{"type":"pong","ref":"k4","ok":true}'
         t=  8.02s sent app ping op (data)
         t=  8.02s text b'{"type":"pong","ref":"k8","ok":true}'
         t= 10.00s PING b''
         t= 12.00s sent app ping op (data)
         t= 12.00s text b'{"type":"pong","ref":"k12","ok":true}'
         t= 16.01s sent app ping op (data)
         t= 16.01s text b'{"type":"pong","ref":"k16","ok":true}'
         t= 20.00s TCP closed by server (EOFError), no close frame
       ok   server drops a non-ponging client ~20 s after connect despite data traffic; TCP clos\#
    e, no close frame

    ==============================================================================
    == RESULT
    ==============================================================================
    all checks passed
    """#
