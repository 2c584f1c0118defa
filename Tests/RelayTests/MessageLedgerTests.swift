// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import JSON
import Testing

@testable import Relay

private typealias Action = MessageLedger.Action

private func push(_ channel: String, _ id: Int64) -> MessageLedger.LivePush {
    let text = #"{"type":"message.new","d":{"channel":"\#(channel)","id":\#(id)}}"#
    let bytes = Array(text.utf8)
    return MessageLedger.LivePush(
        channel: channel,
        id: id,
        object: try! JSONObject(parsing: bytes),
        utf8: bytes
    )
}

private func rows(_ ids: [Int64]) -> [JSONObject] {
    ids.map { ["id": JSONValue($0), "from": "bob", "body": .string("m\($0)")] }
}

/// Ids delivered by `actions`, live or recovered, in order; `r` marks recovered ones.
private func delivered(_ actions: [Action]) -> [String] {
    actions.compactMap { action in
        switch action {
        case .deliverLive(let push): "\(push.id)"
        case .deliverRecovered(_, _, let row): "r\(row["id"]!.int64Value!)"
        default: nil
        }
    }
}

private func fetches(_ actions: [Action]) -> [Action] {
    actions.filter { if case .fetch = $0 { true } else { false } }
}

/// A ledger past its first session's baseline: `general` at 10, `dm-a-b` at 12.
private func baselinedLedger(pageSize: Int = 3) -> MessageLedger {
    var ledger = MessageLedger(pageSize: pageSize)
    #expect(ledger.sessionStarted() == [.list])
    let baselines = ledger.listed(channels: [("general", "channel"), ("dm-a-b", "dm")])
    #expect(
        baselines == [
            .fetch(channel: "general", after: nil, limit: 1, purpose: .baseline),
            .fetch(channel: "dm-a-b", after: nil, limit: 1, purpose: .baseline),
        ]
    )
    #expect(ledger.fetched(channel: "general", messages: rows([10])).isEmpty)
    #expect(ledger.fetched(channel: "dm-a-b", messages: rows([12])).isEmpty)
    #expect(ledger.listingMark == 12)
    return ledger
}

@Suite struct MessageLedgerTests {
    @Test func firstSessionTakesTheNewestIdAsFloorAndDeliversNothingOld() {
        var ledger = baselinedLedger()
        #expect(ledger.isDelivered(10, in: "general"))
        #expect(!ledger.isDelivered(11, in: "general"))
        #expect(delivered(ledger.push(push("general", 13))) == ["13"])
        #expect(ledger.push(push("general", 13)).isEmpty)
    }

    @Test func livePushesFlowDuringTheBaselineAndAreNotDeliveredTwice() {
        var ledger = MessageLedger()
        _ = ledger.sessionStarted()
        _ = ledger.listed(channels: [("general", "channel")])
        #expect(delivered(ledger.push(push("general", 5))) == ["5"])
        // The baseline's answer already includes 5; nothing is delivered, 5 stays known.
        #expect(ledger.fetched(channel: "general", messages: rows([5])).isEmpty)
        #expect(ledger.push(push("general", 5)).isEmpty)
    }

    @Test func reconnectFillsFromTheFloorAndHoldsLivePushesUntilDone() {
        var ledger = baselinedLedger()
        _ = ledger.push(push("general", 13))
        ledger.sessionEnded()
        let started = ledger.sessionStarted()
        #expect(
            fetches(started) == [
                .fetch(channel: "dm-a-b", after: 12, limit: 3, purpose: .fill),
                .fetch(channel: "general", after: 10, limit: 3, purpose: .fill),
            ]
        )
        #expect(started.contains(.list))
        // Live 17 arrives while general is being filled: it waits.
        #expect(ledger.push(push("general", 17)).isEmpty)
        // Page 1 is full (3 rows): 13 was delivered before the outage.
        let page1 = ledger.fetched(channel: "general", messages: rows([13, 14, 15]))
        #expect(delivered(page1) == ["r14", "r15"])
        #expect(fetches(page1) == [.fetch(channel: "general", after: 15, limit: 3, purpose: .fill)])
        let page2 = ledger.fetched(channel: "general", messages: rows([16, 17]))
        // 16 recovered; 17 arrived live while held, so it goes out as the live push, in
        // its id-order place, and only once.
        #expect(delivered(page2) == ["r16", "17"])
        #expect(ledger.isDelivered(17, in: "general"))
        #expect(delivered(ledger.push(push("general", 18))) == ["18"])
    }

    @Test func heldPushesNewerThanTheFillFollowIt() {
        var ledger = baselinedLedger()
        ledger.sessionEnded()
        _ = ledger.sessionStarted()
        _ = ledger.push(push("general", 21))
        _ = ledger.push(push("general", 22))
        let done = ledger.fetched(channel: "general", messages: rows([20]))
        #expect(delivered(done) == ["r20", "21", "22"])
    }

    @Test func channelsFirstSeenInAReconnectListingAreFilledFromThePreviousMark() {
        var ledger = baselinedLedger()
        ledger.sessionEnded()
        _ = ledger.sessionStarted()
        // A push for a channel not known yet waits for the listing.
        #expect(ledger.push(push("new", 30)).isEmpty)
        let listed = ledger.listed(
            channels: [("general", "channel"), ("dm-a-b", "dm"), ("new", "channel")]
        )
        // Two fills already run (general, dm); `new` queues behind the first free slot
        // only when the limit allows: four at once by default.
        #expect(fetches(listed) == [.fetch(channel: "new", after: 12, limit: 3, purpose: .fill)])
        let filled = ledger.fetched(channel: "new", messages: rows([25, 30]))
        #expect(delivered(filled) == ["r25", "30"])
        #expect(ledger.channels["new"]?.kind == "channel")
    }

    @Test func aFailedFetchReleasesHeldPushesAndKeepsTheFloor() {
        var ledger = baselinedLedger()
        ledger.sessionEnded()
        _ = ledger.sessionStarted()
        _ = ledger.push(push("general", 40))
        #expect(delivered(ledger.fetchFailed(channel: "general")) == ["40"])
        #expect(ledger.channels["general"]?.floor == 10)
        // The next sweep lists, then looks again from the floor.
        _ = ledger.listed(channels: [("general", "channel"), ("dm-a-b", "dm")])
        _ = ledger.fetched(channel: "dm-a-b", messages: [])
        #expect(ledger.sweepDue() == [.list])
        let sweep = ledger.listed(channels: [("general", "channel"), ("dm-a-b", "dm")])
        #expect(
            fetches(sweep) == [
                .fetch(channel: "general", after: 10, limit: 3, purpose: .fill),
                .fetch(channel: "dm-a-b", after: 12, limit: 3, purpose: .fill),
            ]
        )
        let found = ledger.fetched(channel: "general", messages: rows([39, 40]))
        #expect(delivered(found) == ["r39"])
    }

    @Test func pointerFetchesAMessageThatNoPushBrought() {
        var ledger = baselinedLedger()
        #expect(
            ledger.pointer(channel: "dm-a-b", kind: "dm", id: 50) == [
                .schedulePointerCheck(channel: "dm-a-b", kind: "dm", id: 50)
            ]
        )
        let check = ledger.pointerCheckDue(channel: "dm-a-b", kind: "dm", id: 50)
        #expect(check == [.fetch(channel: "dm-a-b", after: 12, limit: 3, purpose: .fill)])
        let found = ledger.fetched(channel: "dm-a-b", messages: rows([50]))
        #expect(found == [.deliverRecovered(channel: "dm-a-b", kind: "dm", row: rows([50])[0])])
    }

    @Test func pointerForAMessageThatCameLiveDoesNothing() {
        var ledger = baselinedLedger()
        _ = ledger.push(push("dm-a-b", 51))
        #expect(ledger.pointer(channel: "dm-a-b", kind: "dm", id: 51).isEmpty)
        #expect(ledger.pointer(channel: "dm-a-b", kind: "dm", id: 52).count == 1)
        _ = ledger.push(push("dm-a-b", 52))
        #expect(ledger.pointerCheckDue(channel: "dm-a-b", kind: "dm", id: 52).isEmpty)
    }

    @Test func pointerForAnUnknownChannelStartsAtThatMessage() {
        var ledger = baselinedLedger()
        let check = ledger.pointerCheckDue(channel: "dm-a-c", kind: "dm", id: 60)
        #expect(check == [.fetch(channel: "dm-a-c", after: 12, limit: 3, purpose: .fill)])
    }

    @Test func pointerDuringAFillAsksForAnotherFill() {
        var ledger = baselinedLedger()
        _ = ledger.pointer(channel: "general", kind: "channel", id: 70)
        _ = ledger.pointerCheckDue(channel: "general", kind: "channel", id: 70)
        #expect(ledger.pointerCheckDue(channel: "general", kind: "channel", id: 71).isEmpty)
        let first = ledger.fetched(channel: "general", messages: rows([70]))
        #expect(delivered(first) == ["r70"])
        #expect(fetches(first) == [.fetch(channel: "general", after: 70, limit: 3, purpose: .fill)])
    }

    @Test func sessionEndDropsHeldPushesWhichTheNextFillFetchesAgain() {
        var ledger = baselinedLedger()
        ledger.sessionEnded()
        _ = ledger.sessionStarted()
        #expect(ledger.push(push("general", 80)).isEmpty)
        ledger.sessionEnded()
        #expect(ledger.fetched(channel: "general", messages: rows([80])).isEmpty)
        _ = ledger.sessionStarted()
        #expect(delivered(ledger.fetched(channel: "general", messages: rows([80]))) == ["r80"])
    }

    @Test func trackedIdsAreBoundedByRaisingTheFloor() {
        var ledger = MessageLedger(maxTrackedIDs: 3)
        _ = ledger.sessionStarted()
        _ = ledger.listed(channels: [("general", "channel")])
        _ = ledger.fetched(channel: "general", messages: [])
        for id: Int64 in [1, 3, 5, 7] { _ = ledger.push(push("general", id)) }
        #expect(ledger.channels["general"]?.delivered == [3, 5, 7])
        #expect(ledger.channels["general"]?.floor == 1)
        #expect(ledger.isDelivered(1, in: "general"))
    }

    @Test func fetchesRunAtMostFourAtOnce() {
        var ledger = MessageLedger()
        _ = ledger.sessionStarted()
        let names = (0..<6).map { ("c\($0)", "channel") }
        let first = ledger.listed(channels: names)
        #expect(fetches(first).count == 4)
        #expect(fetches(ledger.fetched(channel: "c0", messages: [])).count == 1)
    }

    @Test func recoveredMessageHasTheServerKeyOrderAndIsMarkedReplayed() throws {
        // A history row as the server sends it (transcript, section 7).
        let rowText =
            #"{"id":2,"from":"alice","body":"b","sent_at":"2026-12-03T15:34:16Z","#
            + #""thread_id":1,"metadata":"{\"k\": 1}","mentions":["bob"]}"#
        let row = try JSONObject(parsing: Array(rowText.utf8))
        let line = String(
            decoding: RelayMessages.recoveredMessage(channel: "general", kind: "channel", row: row),
            as: UTF8.self
        )
        // The push's keys, alphabetical as the server writes them (transcript, section 6).
        let expected =
            #"{"type":"message.new","d":{"body":"b","channel":"general","#
            + #""channel_type":"channel","from":"alice","id":2,"mentions":["bob"],"#
            + #""metadata":"{\"k\": 1}","sent_at":"2026-12-03T15:34:16Z","thread_id":1},"#
            + #""replayed":true}"#
        #expect(line == expected)
    }
}

extension MessageLedgerTests {
    @Test func sweepSkipsChannelsNoLongerListed() {
        var ledger = baselinedLedger()
        #expect(ledger.sweepDue() == [.list])
        let sweep = ledger.listed(channels: [("general", "channel")])
        #expect(fetches(sweep) == [.fetch(channel: "general", after: 10, limit: 3, purpose: .fill)])
        // The record stays, so its delivered ids keep weeding out duplicates.
        #expect(ledger.channels["dm-a-b"] != nil)
    }
}
