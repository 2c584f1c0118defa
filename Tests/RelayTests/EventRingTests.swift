// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import Relay

private func append(_ ring: inout EventRing, size: Int = 10) {
    _ = ring.append(type: "message.new", channel: "general") { _ in
        [UInt8](repeating: 0x61, count: size)
    }
}

@Suite struct EventRingTests {
    @Test func numbersEventsFromOne() {
        var ring = EventRing(maxEvents: 10, maxBytes: 1000)
        let first = ring.append(type: "presence", channel: nil) { seq in Array("\(seq)".utf8) }
        let second = ring.append(type: "presence", channel: nil) { seq in Array("\(seq)".utf8) }
        #expect(first.seq == 1 && first.line == Array("1".utf8))
        #expect(second.seq == 2 && ring.lastSeq == 2)
    }

    @Test func evictsOldestPastTheCountBound() {
        var ring = EventRing(maxEvents: 3, maxBytes: 1000)
        for _ in 0..<5 { append(&ring) }
        #expect(ring.count == 3)
        #expect(ring.oldestSeq == 3)
    }

    @Test func evictsOldestPastTheByteBoundButKeepsTheNewest() {
        var ring = EventRing(maxEvents: 100, maxBytes: 25)
        for _ in 0..<4 { append(&ring) }
        #expect(ring.count == 2 && ring.byteCount == 20)
        append(&ring, size: 100)
        #expect(ring.count == 1 && ring.oldestSeq == 5)
    }

    @Test func replaysEverythingAfterSince() throws {
        var ring = EventRing(maxEvents: 10, maxBytes: 1000)
        for _ in 0..<5 { append(&ring) }
        let replay = try #require(ring.events(after: 2))
        #expect(replay.missed == 0)
        #expect(replay.events.map(\.seq) == [3, 4, 5])
        #expect(try #require(ring.events(after: 5)).events.isEmpty)
        #expect(try #require(ring.events(after: 0)).events.count == 5)
    }

    @Test func countsEventsThatLeftTheRing() throws {
        var ring = EventRing(maxEvents: 3, maxBytes: 1000)
        for _ in 0..<10 { append(&ring) }
        let replay = try #require(ring.events(after: 2))
        #expect(replay.missed == 5)
        #expect(replay.events.map(\.seq) == [8, 9, 10])
    }

    @Test func refusesSinceAheadOfTheNewestEvent() {
        var ring = EventRing(maxEvents: 3, maxBytes: 1000)
        #expect(ring.events(after: 0) != nil)
        #expect(ring.events(after: 1) == nil)
        append(&ring)
        #expect(ring.events(after: 1)?.events.isEmpty == true)
        #expect(ring.events(after: 2) == nil)
    }

    @Test func ringBufferKeepsOrderAcrossWrapAndGrowth() {
        var ring = Ring<Int>()
        var model: [Int] = []
        for value in 0..<100 {
            ring.append(value)
            model.append(value)
            if value % 3 == 0 {
                #expect(ring.popFirst() == model.removeFirst())
            }
        }
        #expect(Array(ring) == model)
        #expect(ring.last == model.last)
    }
}

extension EventRing.Replay: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.missed == rhs.missed && lhs.events.map(\.seq) == rhs.events.map(\.seq)
    }
}
