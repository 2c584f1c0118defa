// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Synchronization
import TestSupport
import Testing

@testable import SocketIO

@Suite struct EventLoopTests {
    @Test func executeRunsTasksInSubmissionOrderOnTheLoopThread() async throws {
        let loop = try EventLoop(name: "test")
        defer { loop.shutdown() }
        let recorder = Recorder<Int>()
        for index in 0..<100 {
            loop.execute {
                precondition(loop.inEventLoop)
                recorder.record(index)
            }
        }
        #expect(try await recorder.waitForCount(100) == Array(0..<100))
        #expect(!loop.inEventLoop)
    }

    @Test func timersFireInDeadlineOrderAndCancelledOnesNever() async throws {
        let loop = try EventLoop(name: "test")
        defer { loop.shutdown() }
        let recorder = Recorder<String>()
        loop.schedule(after: .milliseconds(60)) { recorder.record("late") }
        loop.schedule(after: .milliseconds(10)) { recorder.record("early") }
        let cancelled = loop.schedule(after: .milliseconds(30)) { recorder.record("cancelled") }
        cancelled.cancel()
        loop.schedule(after: .zero) { recorder.record("now") }
        #expect(try await recorder.waitForCount(3) == ["now", "early", "late"])
        try await Task.sleep(for: .milliseconds(50))
        #expect(recorder.values == ["now", "early", "late"])
    }

    @Test func timerHeapOrdersEqualDeadlinesBySchedulingOrder() {
        var heap = TimerHeap()
        let deadlines: [UInt64] = [5, 3, 9, 3, 1, 7, 5, 5, 2]
        for (sequence, deadline) in deadlines.enumerated() {
            heap.insert(
                TimerEntry(
                    deadline: deadline,
                    sequence: UInt64(sequence),
                    task: {},
                    handle: ScheduledTask()
                )
            )
        }
        var order: [(UInt64, UInt64)] = []
        while heap.count > 0 {
            let entry = heap.removeFirst()
            order.append((entry.deadline, entry.sequence))
        }
        let expected = deadlines.enumerated()
            .map { (UInt64($0.element), UInt64($0.offset)) }
            .sorted { $0 < $1 }
        #expect(order.map(\.0) == expected.map(\.0))
        #expect(order.map(\.1) == expected.map(\.1))
    }

    @Test func submitReturnsTheLoopsResult() async throws {
        let loop = try EventLoop(name: "test")
        defer { loop.shutdown() }
        let value = await loop.submit { loop.inEventLoop ? 42 : 0 }
        #expect(value == 42)
    }

    @Test func durationsClampInsteadOfOverflowing() {
        #expect(Duration.seconds(-5).nanosecondsClampedNonNegative == 0)
        #expect(Duration.milliseconds(-500).nanosecondsClampedNonNegative == 0)
        #expect(Duration.milliseconds(1500).nanosecondsClampedNonNegative == 1_500_000_000)
        #expect(Duration.seconds(Int64.max).nanosecondsClampedNonNegative > 0)
    }
}
