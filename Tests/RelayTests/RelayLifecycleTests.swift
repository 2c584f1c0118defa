// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Glibc
import JSON
import Relay
import SocketIO
import TestSupport
import Testing

/// Many clients, the client limit, graceful stop and the socket-path claim.
@Suite struct RelayLifecycleTests {
    @Test func servesAThousandConcurrentClientsWithTheSameRef() async throws {
        let harness = try await RelayHarness(autoReply: true)
        _ = try await harness.upstream.session()
        let count = 1_000
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<count {
                group.addTask {
                    let client = try await harness.client()
                    client.send(#"{"type":"echo","ref":"same","d":\#(index)}"# + "\n")
                    let reply = try await client.nextObject(timeout: .seconds(60))
                    client.close()
                    return reply["ref"] == "same" && reply["d"] == JSONValue(index)
                }
            }
            var results: [Bool] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(results.count == count)
        #expect(results.allSatisfy { $0 })
        await harness.shutdown()
    }

    @Test func refusesClientsBeyondTheLimitWithAGoodbye() async throws {
        var limits = RelayLimits()
        limits.maxClients = 2
        let harness = try await RelayHarness(limits: limits)
        _ = try await harness.client()
        _ = try await harness.client()
        let third = try await TestClient.connect(path: harness.socketPath, loop: harness.clientLoop)
        let goodbye = try await third.nextObject()
        #expect(goodbye["type"] == "relay.goodbye")
        #expect(goodbye["d"]?["code"] == "relay.too_many_clients")
        _ = try await third.closed.waitForCount(1)
        await harness.shutdown()
    }

    @Test func stopFailsQueuedRequestsWaitsForInFlightAndSaysGoodbye() async throws {
        var limits = RelayLimits()
        limits.maxInFlight = 1
        let harness = try await RelayHarness(limits: limits)
        let session = try await harness.upstream.session()
        let client = try await harness.client()
        client.send(
            #"{"type":"ping","ref":"flying"}"# + "\n" + #"{"type":"ping","ref":"waiting"}"#
                + "\n"
        )
        let sent = try await session.sent.waitForCount(1)[0]
        let stopped = Task { await harness.relay.stop(deadline: .seconds(5)) }
        let failed = try await client.nextObject()
        #expect(failed["ref"] == "waiting" && failed["d"]?["code"] == "relay.shutting_down")
        let ref = try #require(sent.string(forKey: "ref"))
        session.reply(toRef: ref, with: #"{"type":"pong","ref":"\#(ref)","ok":true}"#)
        #expect(try await client.next() == #"{"type":"pong","ref":"flying","ok":true}"#)
        let goodbye = try await client.nextObject()
        #expect(goodbye["type"] == "relay.goodbye")
        #expect(goodbye["d"]?["code"] == "relay.shutting_down")
        _ = try await client.closed.waitForCount(1)
        await stopped.value
        #expect(await harness.relay.statusSnapshot.upstreamState == "stopped")
        await harness.shutdown()
    }

    @Test func stopAnswersRequestsStillInFlightAtTheDeadline() async throws {
        let harness = try await RelayHarness()
        let session = try await harness.upstream.session()
        let client = try await harness.client()
        client.send(#"{"type":"history","ref":"slow"}"# + "\n")
        _ = try await session.sent.waitForCount(1)
        await harness.relay.stop(deadline: .milliseconds(50))
        let failed = try await client.nextObject()
        #expect(failed["ref"] == "slow" && failed["d"]?["code"] == "relay.shutting_down")
        #expect(try await client.nextObject()["type"] == "relay.goodbye")
        await harness.shutdown()
    }

    @Test func claimRefusesALiveSocketAndReplacesAStaleOne() async throws {
        let harness = try await RelayHarness()
        #expect(throws: SocketPathClaimError.inUse(path: harness.socketPath)) {
            try SocketPathClaim.claim(path: harness.socketPath)
        }
        #expect(
            SocketPathClaimError.inUse(path: "/x").description
                == "another relay is serving /x"
        )
        await harness.shutdown()

        let directory = TemporaryDirectory(prefix: "claim")
        defer { directory.remove() }
        let stale = directory.file("s.sock")
        // A socket bound and closed without unlinking: what a killed relay leaves.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(stale.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        #expect(bound == 0)
        close(fd)
        #expect(try SocketPathClaim.claim(path: stale) == .replacedStale)
        #expect(access(stale, F_OK) != 0)
        #expect(try SocketPathClaim.claim(path: stale) == .free)

        let loop = try EventLoop(name: "claim")
        defer { loop.shutdown() }
        let listener = try await loop.submit { try Listener.unix(path: stale, on: loop) }
        #expect(throws: SocketPathClaimError.inUse(path: stale)) {
            try SocketPathClaim.claim(path: stale)
        }
        await loop.submit { listener.close() }

        let regular = directory.file("file")
        #expect(FileManagerShim.create(regular))
        #expect(throws: SocketPathClaimError.notASocket(path: regular)) {
            try SocketPathClaim.claim(path: regular)
        }
    }
}

/// Creates an empty regular file without Foundation.
enum FileManagerShim {
    static func create(_ path: String) -> Bool {
        let fd = open(path, O_CREAT | O_WRONLY, 0o600)
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }
}

/// Many idle clients at once; kept apart from the suite above so it runs alone.
@Suite(.serialized) struct RelayIdleClientTests {
    /// 5,000 idle clients (each costs two descriptors in this process, client and server
    /// side; the test machine allows 20,000), all greeted, all counted, one still served.
    @Test func holdsFiveThousandIdleClients() async throws {
        let harness = try await RelayHarness()
        let count = 5_000
        var clients: [TestClient] = []
        clients.reserveCapacity(count)
        for _ in 0..<count {
            clients.append(
                try await TestClient.connect(path: harness.socketPath, loop: harness.clientLoop)
            )
        }
        for client in clients {
            #expect(try await client.nextObject()["type"] == "relay.hello")
        }
        #expect(await harness.relay.statusSnapshot.clientCount == count)
        clients[count / 2].send(#"{"type":"relay.status","ref":"s"}"# + "\n")
        let status = try await clients[count / 2].nextObject()
        #expect(status["d"]?["clients"] == JSONValue(count))
        for client in clients { client.close() }
        try await waitUntil("clients gone") {
            await harness.relay.statusSnapshot.clientCount == 0
        }
        await harness.shutdown()
    }
}
