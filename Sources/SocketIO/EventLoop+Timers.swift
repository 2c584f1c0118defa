// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A handle to a task scheduled with `EventLoop.schedule(after:_:)`.
public final class ScheduledTask: Sendable {
    /// 0 = pending, 1 = fired, 2 = cancelled.
    private let state = Atomic<UInt8>(0)

    init() {}

    /// Prevents the task from running if it has not started yet. Safe from any thread.
    public func cancel() {
        _ = state.compareExchange(expected: 0, desired: 2, ordering: .acquiringAndReleasing)
    }

    public var isCancelled: Bool { state.load(ordering: .acquiring) == 2 }

    /// Claims the right to run; false when cancelled first.
    func markFired() -> Bool {
        state.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing).exchanged
    }
}

/// Nanoseconds on `CLOCK_MONOTONIC`, the clock every loop deadline uses.
enum MonotonicClock {
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

extension Duration {
    /// The duration in whole nanoseconds; negative durations count as zero and huge ones
    /// are capped at about 292 years rather than overflowing.
    var nanosecondsClampedNonNegative: UInt64 {
        let (seconds, attoseconds) = components
        // Both parts carry the sign: -0.5 s is (0, -5e17).
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        guard seconds < 9_000_000_000 else { return UInt64(9_000_000_000) * 1_000_000_000 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}

struct TimerEntry {
    var deadline: UInt64
    /// Breaks ties so timers with equal deadlines fire in the order they were scheduled.
    var sequence: UInt64
    var task: @Sendable () -> Void
    var handle: ScheduledTask

    func firesBefore(_ other: TimerEntry) -> Bool {
        (deadline, sequence) < (other.deadline, other.sequence)
    }
}

/// A binary min-heap of timers ordered by deadline, then scheduling order.
struct TimerHeap {
    private var storage: [TimerEntry] = []

    var peek: TimerEntry? { storage.first }
    var count: Int { storage.count }

    mutating func insert(_ entry: TimerEntry) {
        storage.append(entry)
        var child = storage.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard storage[child].firesBefore(storage[parent]) else { break }
            storage.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeFirst() -> TimerEntry {
        let first = storage[0]
        let last = storage.removeLast()
        guard !storage.isEmpty else { return first }
        storage[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < storage.count, storage[left].firesBefore(storage[smallest]) {
                smallest = left
            }
            if right < storage.count, storage[right].firesBefore(storage[smallest]) {
                smallest = right
            }
            guard smallest != parent else { break }
            storage.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
