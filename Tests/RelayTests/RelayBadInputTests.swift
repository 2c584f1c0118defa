// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Relay
import TestSupport
import Testing

/// Each bad line, and the error code it must produce; the connection stays usable.
private let badLines: [(line: [UInt8], code: String, ref: String?)] = [
    (Array("not json\n".utf8), "relay.invalid_json", nil),
    ([0x7B, 0xFF, 0xFE, 0x7D, 0x0A], "relay.invalid_utf8", nil),
    (Array("[1,2]\n".utf8), "relay.not_an_object", nil),
    (Array("\"text\"\n".utf8), "relay.not_an_object", nil),
    (Array("{\"ref\":\"r1\"}\n".utf8), "relay.invalid_type", "r1"),
    (Array("{\"type\":7,\"ref\":\"r2\"}\n".utf8), "relay.invalid_type", "r2"),
    (Array("{\"type\":\"ping\",\"ref\":5}\n".utf8), "relay.invalid_ref", nil),
    (Array("{\"type\":\"relay.nope\",\"ref\":\"r3\"}\r\n".utf8), "relay.unknown_operation", "r3"),
    (
        Array("{\"type\":\"relay.subscribe\",\"d\":{\"type\":[]}}\n".utf8),
        "relay.invalid_arguments", nil
    ),
    (
        Array(("{\"type\":\"ping\",\"pad\":\"" + String(repeating: "p", count: 80) + "\"}\n").utf8),
        "relay.line_too_long", nil
    ),
]

/// A request the relay answers itself, to prove the connection still works.
private let probe = Array("{\"type\":\"relay.hello\",\"ref\":\"probe\"}\n".utf8)

@Suite struct RelayBadInputTests {
    func limits() -> RelayLimits {
        var limits = RelayLimits()
        limits.maxLineBytes = 64
        return limits
    }

    /// Checks the error for one bad line, then the probe's reply.
    func expectError(
        _ client: TestClient,
        _ code: String,
        _ ref: String?,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let error = try await client.nextObject()
        #expect(error["type"] == "error", sourceLocation: sourceLocation)
        #expect(error["ok"] == false, sourceLocation: sourceLocation)
        #expect(error["d"]?["code"]?.stringValue == code, sourceLocation: sourceLocation)
        #expect(
            error["d"]?["message"]?.stringValue?.isEmpty == false,
            sourceLocation: sourceLocation
        )
        #expect(error["ref"]?.stringValue == ref, sourceLocation: sourceLocation)
        let reply = try await client.nextObject()
        #expect(reply["ref"] == "probe" && reply["ok"] == true, sourceLocation: sourceLocation)
    }

    @Test func everyBadLineGetsItsErrorWhenSentWhole() async throws {
        let harness = try await RelayHarness(limits: limits())
        let client = try await harness.client()
        for bad in badLines {
            client.send(bad.line + probe)
            try await expectError(client, bad.code, bad.ref)
        }
        await harness.shutdown()
    }

    @Test func everyBadLineGetsItsErrorWhenSentByteByByte() async throws {
        let harness = try await RelayHarness(limits: limits())
        let client = try await harness.client()
        for bad in badLines {
            for byte in bad.line { client.send([byte]) }
            client.send(probe)
            try await expectError(client, bad.code, bad.ref)
        }
        await harness.shutdown()
    }

    @Test func everyBadLineGetsItsErrorWhenSplitAtEveryPosition() async throws {
        let harness = try await RelayHarness(limits: limits())
        let client = try await harness.client()
        for bad in badLines {
            for cut in 1..<bad.line.count {
                client.send(Array(bad.line[..<cut]))
                try await Task.sleep(for: .milliseconds(1))
                client.send(Array(bad.line[cut...]) + probe)
                try await expectError(client, bad.code, bad.ref)
            }
        }
        let status = await harness.relay.statusSnapshot
        #expect(status.counters.badLines > UInt64(badLines.count))
        await harness.shutdown()
    }

    @Test func blankLinesAreIgnored() async throws {
        let harness = try await RelayHarness(limits: limits())
        let client = try await harness.client()
        client.send("\n\r\n   \n")
        client.send(probe)
        #expect(try await client.nextObject()["ref"] == "probe")
        await harness.shutdown()
    }

    @Test func disconnectMidLineAndMidRequestCostsNothing() async throws {
        let harness = try await RelayHarness()
        let session = try await harness.upstream.session()
        let leaver = try await harness.client()
        leaver.send(#"{"type":"ping","ref":"gone"}"# + "\n" + #"{"type":"pi"#)
        let sent = try await session.sent.waitForCount(1)[0]
        leaver.close()
        try await waitUntil("client gone") {
            await harness.relay.statusSnapshot.clientCount == 0
        }
        let ref = try #require(sent.string(forKey: "ref"))
        session.reply(toRef: ref, with: #"{"type":"pong","ref":"\#(ref)","ok":true}"#)
        try await waitUntil("late reply dropped") {
            await harness.relay.statusSnapshot.counters.lateRepliesDropped == 1
        }
        let other = try await harness.client()
        other.send(probe)
        #expect(try await other.nextObject()["ref"] == "probe")
        await harness.shutdown()
    }
}
