// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import JSON
import Relay
import SocketIO
import TestSupport
import Testing

/// `LocalAccessPolicy` on its own, then on real sockets: peers refused by the allow-lists
/// (a client run as `nobody` through `setpriv`) and read-only sockets.
@Suite struct LocalAccessPolicyTests {
    private func peer(uid: UInt32, gid: UInt32) -> PeerCredentials? {
        // PeerCredentials has no memberwise init outside SocketIO; build one from a real
        // socketpair and overwrite the fields.
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { return nil }
        defer {
            close(pair[0])
            close(pair[1])
        }
        var credentials = PeerCredentials(socket: pair[0])
        credentials?.uid = uid
        credentials?.gid = gid
        return credentials
    }

    @Test func emptyListsAdmitEveryPeer() {
        let policy = LocalAccessPolicy(ownUID: 1000)
        #expect(policy.admits(peer(uid: 4242, gid: 4242)))
        #expect(policy.admits(nil))
        #expect(!policy.restrictsPeers)
    }

    @Test func listedUIDOrPrimaryGIDIsAdmittedAndOthersAreNot() {
        let policy = LocalAccessPolicy(allowedUIDs: [1001], allowedGIDs: [2002], ownUID: 1000)
        #expect(policy.admits(peer(uid: 1001, gid: 9)))
        #expect(policy.admits(peer(uid: 4242, gid: 2002)))
        #expect(!policy.admits(peer(uid: 4242, gid: 4242)))
        #expect(!policy.admits(peer(uid: 2002, gid: 1001)))
    }

    @Test func rootAndTheRelaysOwnUserAreAlwaysAdmitted() {
        let policy = LocalAccessPolicy(allowedUIDs: [1001], ownUID: 1000)
        #expect(policy.admits(peer(uid: 0, gid: 0)))
        #expect(policy.admits(peer(uid: 1000, gid: 1000)))
    }

    @Test func missingCredentialsAreRefusedWhenAListIsInForce() {
        #expect(!LocalAccessPolicy(allowedGIDs: [5], ownUID: 1000).admits(nil))
    }

    @Test func readOnlyPolicyPermitsReadsAndRelayOperationsOnly() {
        let readOnly = LocalAccessPolicy(isReadOnly: true)
        for type in [
            "ping", "version", "capabilities", "user_list", "channel_list", "history",
            "unread_counts", "dm_list", "get_settings", "mention_group_get",
            "mention_group_list", "relay.status", "relay.subscribe", "relay.future_thing",
        ] {
            #expect(readOnly.permits(operation: type), "\(type)")
        }
        for type in [
            "send_message", "unread_messages", "mark_read", "set_state", "channel_create",
            "channel_join", "channel_invite", "dm_open", "set_setting", "mention_group_create",
            "mention_group_delete", "mention_group_add_member", "mention_group_remove_member",
            "brand_new_operation", "",
        ] {
            #expect(!readOnly.permits(operation: type), "\(type)")
        }
        #expect(LocalAccessPolicy.unrestricted.permits(operation: "send_message"))
    }
}

@Suite(.serialized) struct RelayAccessTests {
    /// Adds a socket with `policy` to the harness's relay: mode 0666 in a directory made
    /// 0755, so a client running as `nobody` can reach it and only the policy decides.
    private func addSocket(
        _ harness: RelayHarness,
        name: String,
        policy: LocalAccessPolicy
    ) async throws -> String {
        chmod(harness.directory.path, 0o755)
        let path = harness.directory.file(name)
        let loop = harness.relayLoop
        let relay = harness.relay
        try await loop.submit {
            let listener = try Listener.unix(path: path, mode: 0o666, on: loop)
            try relay.start(listener: listener, policy: policy)
        }
        return path
    }

    /// `socat` connected to `path` as `nobody` (uid and gid 65534, no other groups).
    private func clientAsNobody(_ path: String) throws -> ManagedProcess {
        try ManagedProcess(
            "/usr/bin/setpriv",
            [
                "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/socat", "-",
                "UNIX-CONNECT:\(path)",
            ],
            keepStandardInputOpen: true
        )
    }

    @Test(.enabled(if: getuid() == 0, "needs root to run a client as another user"))
    func aPeerOutsideTheAllowListGetsOneErrorLineAndIsClosed() async throws {
        let harness = try await RelayHarness()
        let path = try await addSocket(
            harness,
            name: "only4242.sock",
            policy: LocalAccessPolicy(allowedUIDs: [4242], ownUID: 0)
        )
        let client = try clientAsNobody(path)
        let line = try await client.waitForLine(containing: "relay.")
        let object = try JSONObject(parsing: Array(line.utf8))
        #expect(object["type"] == "error")
        #expect(object["d"]?["code"] == "relay.access_denied")
        #expect(object["d"]?["message"]?.stringValue?.contains("uid 65534") == true)
        #expect(try await client.waitForExit(timeout: .seconds(10)) == 0)
        #expect(client.standardOutput.values.count == 1, "\(client.standardOutput.values)")

        let refusals = harness.logs.entries(withMessage: "client refused: not in the allow-lists")
        #expect(refusals.count == 1)
        #expect(refusals.first?.level == .warning)
        #expect(refusals.first?.metadata["message.id"] == "1ded5823d62f4f0e9336cd67d446cb02")
        #expect(refusals.first?.metadata["client.uid"] == "65534")
        #expect(await harness.relay.statusSnapshot.counters.clientsRefused == 1)
        await harness.shutdown()
    }

    @Test(
        .enabled(if: getuid() == 0, "needs root to run a client as another user"),
        arguments: [
            LocalAccessPolicy(allowedUIDs: [65534], ownUID: 0),
            LocalAccessPolicy(allowedGIDs: [65534], ownUID: 0),
        ]
    )
    func aListedPeerIsGreetedAndServed(policy: LocalAccessPolicy) async throws {
        let harness = try await RelayHarness()
        let path = try await addSocket(harness, name: "nobody.sock", policy: policy)
        let client = try clientAsNobody(path)
        try await client.waitForLine(containing: "relay.hello")
        client.writeToStandardInput(#"{"type":"relay.status","ref":"s"}"# + "\n")
        let status = try await client.waitForLine(containing: #""ref":"s""#)
        #expect(status.contains(#""ok":true"#))
        client.closeStandardInput()
        _ = try await client.waitForExit(timeout: .seconds(10))

        let connected = harness.logs.entries(withMessage: "client connected")
        let nobody = connected.first { $0.metadata["client.uid"] == "65534" }
        #expect(nobody?.metadata["client.gid"] == "65534")
        #expect(nobody?.metadata["client.pid"] != nil)
        await harness.shutdown()
    }

    @Test func theRelaysOwnUserPassesAnAllowListWithoutBeingListed() async throws {
        let harness = try await RelayHarness()
        let path = try await addSocket(
            harness,
            name: "listed.sock",
            policy: LocalAccessPolicy(allowedUIDs: [4242])
        )
        let client = try await TestClient.connect(path: path, loop: harness.clientLoop)
        _ = try await client.next(ofType: "relay.hello")
        await harness.shutdown()
    }

    @Test func readOnlySocketForwardsReadsAndRefusesStateChanges() async throws {
        let harness = try await RelayHarness(autoReply: true)
        let session = try await harness.upstream.session()
        let path = try await addSocket(
            harness,
            name: "ro.sock",
            policy: LocalAccessPolicy(isReadOnly: true)
        )
        let client = try await TestClient.connect(path: path, loop: harness.clientLoop)
        _ = try await client.next(ofType: "relay.hello")

        client.send(#"{"type":"send_message","ref":"w1","d":{"channel":"general","body":"x"}}"#)
        client.send("\n")
        let refused = try await client.nextObject()
        #expect(refused["type"] == "error")
        #expect(refused["ref"] == "w1")
        #expect(refused["d"]?["code"] == "relay.read_only")
        #expect(refused["ok"] == false)

        client.send(#"{"type":"unread_messages","ref":"w2"}"# + "\n")
        let consuming = try await client.nextObject()
        #expect(consuming["d"]?["code"] == "relay.read_only")
        #expect(consuming["d"]?["message"]?.stringValue?.contains("marks messages read") == true)

        client.send(#"{"type":"not_yet_invented","ref":"w3"}"# + "\n")
        #expect(try await client.nextObject()["d"]?["code"] == "relay.read_only")

        client.send(#"{"type":"history","ref":"r1","d":{"channel":"general"}}"# + "\n")
        let history = try await client.nextObject()
        #expect(history["type"] == "reply")
        #expect(history["ref"] == "r1")

        client.send(#"{"type":"relay.status","ref":"r2"}"# + "\n")
        #expect(try await client.nextObject()["ref"] == "r2")

        // Bad lines get the usual errors, not relay.read_only.
        client.send("nonsense\n")
        #expect(try await client.nextObject()["d"]?["code"] == "relay.invalid_json")

        // Only the read went upstream.
        let sent = session.sent.values.map { $0.string(forKey: "type") }
        #expect(sent == ["history"])

        // Events reach read-only clients.
        session.push(#"{"type":"message.new","d":{"channel":"general","id":7}}"#)
        let event = try await client.next(ofType: "message.new")
        #expect(event["d"]?["id"] == 7)

        // The main socket keeps full access.
        let writer = try await harness.client()
        writer.send(#"{"type":"send_message","ref":"m1","d":{"channel":"general"}}"# + "\n")
        let written = try await writer.next(ofType: "reply")
        #expect(written["ref"] == "m1")
        await harness.shutdown()
    }

    @Test func stopClosesEveryListener() async throws {
        let harness = try await RelayHarness()
        let path = try await addSocket(
            harness,
            name: "second.sock",
            policy: LocalAccessPolicy(isReadOnly: true)
        )
        await harness.relay.stop(deadline: .milliseconds(100))
        await #expect(throws: (any Error).self) {
            _ = try await UnixConnector.connect(
                path: path,
                timeout: .seconds(1),
                on: harness.clientLoop
            )
        }
        await harness.shutdown()
    }
}
