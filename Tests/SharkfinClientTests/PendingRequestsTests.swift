// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import SharkfinClient

@Suite struct PendingRequestsTests {
    @Test func idsAreSequentialAndRoundTripThroughRefs() {
        var table = PendingRequests<String>()
        let first = table.allocateID()
        let second = table.allocateID()
        #expect(first.ref == "r1")
        #expect(second.ref == "r2")
        #expect(RequestID(ref: "r2") == second)
        #expect(RequestID(ref: "r02") == nil)
        #expect(RequestID(ref: "a1") == nil)
        #expect(RequestID(ref: "r") == nil)
    }

    @Test func replyRemovesTheEntryOnce() {
        var table = PendingRequests<String>()
        let id = table.allocateID()
        table.insert("version", for: id)
        #expect(table.replyReceived(ref: id.ref) == "version")
        #expect(table.replyReceived(ref: id.ref) == nil)
        #expect(table.remove(id) == nil)
        #expect(table.isEmpty)
    }

    @Test func lateReplyAfterTimeoutFindsNothing() {
        var table = PendingRequests<String>()
        let id = table.allocateID()
        table.insert("history", for: id)
        #expect(table.remove(id) == "history")
        #expect(table.replyReceived(ref: id.ref) == nil)
    }

    @Test func closeFailsOnlyWhatIsStillWaitingInSendOrder() {
        var table = PendingRequests<String>()
        var ids: [RequestID] = []
        for name in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"] {
            let id = table.allocateID()
            table.insert(name, for: id)
            ids.append(id)
        }
        _ = table.remove(ids[1])
        _ = table.replyReceived(ref: ids[3].ref)
        #expect(table.removeAll() == ["a", "c", "e", "f", "g", "h", "i", "j", "k"])
        #expect(table.removeAll().isEmpty)
        #expect(table.remove(ids[0]) == nil)
    }

    @Test func foreignRefsAreIgnored() {
        var table = PendingRequests<String>()
        let id = table.allocateID()
        table.insert("x", for: id)
        #expect(table.replyReceived(ref: "a1") == nil)
        #expect(table.count == 1)
    }
}
