// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import CLinux
import Foundation
import Glibc
import Synchronization

/// One thread running `epoll_wait`, on which descriptors' readiness handlers, timers and
/// tasks submitted from other threads all run, one at a time.
///
/// Everything network-facing in the relay lives on a loop: no blocking call ever runs on
/// Swift's cooperative pool. Loop-bound objects (connections, the relay's client table)
/// touch their mutable state only on their loop's thread; other threads reach them through
/// `execute(_:)`. Because a stuck handler stops the whole loop, work done here must be short
/// and must never block.
public final class EventLoop: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `registrations`, `timers`, `readBuffer` and
    // `nextGeneration` are touched only on the loop thread; everything shared across
    // threads lives in `shared` (a Mutex) or in atomics.

    /// Work handed in from any thread, drained at the top of each loop iteration.
    private struct SharedState {
        var tasks: [@Sendable () -> Void] = []
        var newTimers: [TimerEntry] = []
        var isWakePending = false
        var isStopRequested = false
    }

    private struct Registration {
        var generation: UInt32
        var interest: IOInterest
        var handler: any IOEventHandler
    }

    /// A human-readable name, used for the thread name and in logs.
    public let name: String
    private let epollDescriptor: Int32
    private let wakeDescriptor: Int32
    private let shared = Mutex(SharedState())
    private let loopThreadID = Atomic<UInt>(0)
    private let isRunning = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    private var registrations: [Int32: Registration] = [:]
    private var nextGeneration: UInt32 = 1
    private var timers = TimerHeap()
    private var nextTimerSequence: UInt64 = 0

    /// Scratch space for socket reads, shared by every connection on this loop so an idle
    /// connection costs no read buffer. 64 KiB per read is what one epoll round needs.
    var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// Creates the loop and starts its thread.
    public init(name: String) throws(IOError) {
        self.name = name
        epollDescriptor = try systemCall("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        let epollForCleanup = epollDescriptor
        do throws(IOError) {
            wakeDescriptor = try systemCall("eventfd") {
                eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
            }
        } catch {
            close(epollForCleanup)
            throw error
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = UInt64(UInt32(bitPattern: wakeDescriptor))
        let epoll = epollDescriptor
        let wake = wakeDescriptor
        try systemCall("epoll_ctl(ADD eventfd)") { epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &event) }

        let started = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            loopThreadID.store(UInt(pthread_self()), ordering: .releasing)
            isRunning.store(true, ordering: .releasing)
            started.signal()
            run()
            isRunning.store(false, ordering: .releasing)
            finished.signal()
        }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
        started.wait()
    }

    deinit {
        close(epollDescriptor)
        close(wakeDescriptor)
    }

    /// Whether the caller runs on this loop's thread.
    public var inEventLoop: Bool {
        pthread_equal(pthread_self(), pthread_t(loopThreadID.load(ordering: .acquiring))) != 0
    }

    /// Stops the process when called off the loop thread: loop-bound state was touched from
    /// elsewhere, which is a bug in us.
    public func preconditionInEventLoop(file: StaticString = #fileID, line: UInt = #line) {
        precondition(inEventLoop, "not on event loop \(name)", file: file, line: line)
    }

    /// Runs `task` on the loop thread soon. Safe from any thread, including the loop's own
    /// (the task then runs after the current handler returns, never re-entrantly).
    public func execute(_ task: @escaping @Sendable () -> Void) {
        let mustWake = shared.withLock { state -> Bool in
            state.tasks.append(task)
            return wakeUpLocked(&state)
        }
        if mustWake { wake() }
    }

    /// Runs `task` on the loop after `delay`, unless cancelled first. Safe from any thread.
    @discardableResult
    public func schedule(
        after delay: Duration,
        _ task: @escaping @Sendable () -> Void
    ) -> ScheduledTask {
        let handle = ScheduledTask()
        let deadline = MonotonicClock.now() &+ delay.nanosecondsClampedNonNegative
        let mustWake = shared.withLock { state -> Bool in
            state.newTimers.append(
                TimerEntry(deadline: deadline, sequence: 0, task: task, handle: handle)
            )
            return wakeUpLocked(&state)
        }
        if mustWake { wake() }
        return handle
    }

    /// Runs `body` on the loop and returns its result to the awaiting task.
    public func submit<T: Sendable>(
        _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            execute {
                do { continuation.resume(returning: try body()) } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Runs `body` on the loop and returns its result (non-throwing variant).
    public func submit<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            execute { continuation.resume(returning: body()) }
        }
    }

    /// Asks the loop to finish: tasks already submitted run, then the thread exits. Waits for
    /// the thread unless called from the loop itself. Idempotent.
    public func shutdown() {
        let alreadyStopping = shared.withLock { state -> Bool in
            defer { state.isStopRequested = true }
            return state.isStopRequested
        }
        wake()
        guard !alreadyStopping, !inEventLoop else { return }
        finished.wait()
    }

    // MARK: Descriptor registration (loop thread only)

    /// Starts watching `descriptor`. The loop keeps `handler` alive until `deregister`.
    public func register(
        _ descriptor: Int32,
        interest: IOInterest,
        handler: any IOEventHandler
    ) throws(IOError) {
        preconditionInEventLoop()
        let generation = nextGeneration
        nextGeneration = nextGeneration == UInt32.max ? 1 : nextGeneration + 1
        var event = Self.epollEvent(descriptor, generation: generation, interest: interest)
        let epoll = epollDescriptor
        try systemCall("epoll_ctl(ADD)") { epoll_ctl(epoll, EPOLL_CTL_ADD, descriptor, &event) }
        registrations[descriptor] = Registration(
            generation: generation,
            interest: interest,
            handler: handler
        )
    }

    /// Changes what a registered descriptor is watched for; a no-op when unchanged.
    public func reregister(_ descriptor: Int32, interest: IOInterest) throws(IOError) {
        preconditionInEventLoop()
        guard var registration = registrations[descriptor] else { return }
        guard registration.interest != interest else { return }
        var event = Self.epollEvent(
            descriptor,
            generation: registration.generation,
            interest: interest
        )
        let epoll = epollDescriptor
        try systemCall("epoll_ctl(MOD)") { epoll_ctl(epoll, EPOLL_CTL_MOD, descriptor, &event) }
        registration.interest = interest
        registrations[descriptor] = registration
    }

    /// Stops watching `descriptor`. Call before closing it.
    public func deregister(_ descriptor: Int32) {
        preconditionInEventLoop()
        guard registrations.removeValue(forKey: descriptor) != nil else { return }
        var event = epoll_event()
        // ENOENT or EBADF here would mean the descriptor was closed before deregistering.
        _ = epoll_ctl(epollDescriptor, EPOLL_CTL_DEL, descriptor, &event)
    }

    /// How many descriptors are registered (diagnostics and tests).
    public var registeredCount: Int {
        preconditionInEventLoop()
        return registrations.count
    }

    private static func epollEvent(
        _ descriptor: Int32,
        generation: UInt32,
        interest: IOInterest
    ) -> epoll_event {
        var event = epoll_event()
        var mask: UInt32 = 0
        if interest.contains(.readable) { mask |= EPOLLIN.rawValue | EPOLLRDHUP.rawValue }
        if interest.contains(.writable) { mask |= EPOLLOUT.rawValue }
        event.events = mask
        event.data.u64 = UInt64(generation) << 32 | UInt64(UInt32(bitPattern: descriptor))
        return event
    }

    // MARK: The loop

    private func wakeUpLocked(_ state: inout SharedState) -> Bool {
        guard !state.isWakePending else { return false }
        state.isWakePending = true
        return true
    }

    private func wake() {
        var one: UInt64 = 1
        // EAGAIN means the counter is already non-zero: the loop will wake anyway.
        _ = write(wakeDescriptor, &one, 8)
    }

    private func run() {
        let capacity = 256
        var events = [epoll_event](repeating: epoll_event(), count: capacity)
        while true {
            let (tasks, isStopping) = takeSharedWork()
            for task in tasks { task() }
            if isStopping { break }
            fireDueTimers()

            let timeout = pollTimeoutMilliseconds()
            let count = events.withUnsafeMutableBufferPointer { buffer in
                epoll_wait(epollDescriptor, buffer.baseAddress, Int32(capacity), timeout)
            }
            if count < 0 {
                precondition(errno == EINTR, "epoll_wait failed: errno \(errno)")
                continue
            }
            for index in 0..<Int(count) {
                dispatch(events[index])
            }
        }
    }

    private func takeSharedWork() -> ([@Sendable () -> Void], Bool) {
        let (tasks, newTimers, isStopping) = shared.withLock { state in
            defer {
                state.tasks.removeAll(keepingCapacity: true)
                state.newTimers.removeAll(keepingCapacity: true)
                state.isWakePending = false
            }
            return (state.tasks, state.newTimers, state.isStopRequested)
        }
        for var timer in newTimers {
            timer.sequence = nextTimerSequence
            nextTimerSequence += 1
            timers.insert(timer)
        }
        return (tasks, isStopping)
    }

    private func fireDueTimers() {
        let now = MonotonicClock.now()
        while let next = timers.peek, next.deadline <= now {
            let timer = timers.removeFirst()
            if timer.handle.markFired() { timer.task() }
        }
    }

    private func pollTimeoutMilliseconds() -> Int32 {
        let hasTasks = shared.withLock { !$0.tasks.isEmpty || !$0.newTimers.isEmpty }
        if hasTasks { return 0 }
        while let next = timers.peek, next.handle.isCancelled { _ = timers.removeFirst() }
        guard let next = timers.peek else { return -1 }
        let now = MonotonicClock.now()
        guard next.deadline > now else { return 0 }
        let milliseconds = (next.deadline - now + 999_999) / 1_000_000
        return Int32(min(milliseconds, UInt64(Int32.max)))
    }

    private func dispatch(_ event: epoll_event) {
        let descriptor = Int32(bitPattern: UInt32(truncatingIfNeeded: event.data.u64))
        if descriptor == wakeDescriptor {
            var value: UInt64 = 0
            _ = read(wakeDescriptor, &value, 8)
            return
        }
        let generation = UInt32(truncatingIfNeeded: event.data.u64 >> 32)
        // A handler earlier in this batch may have closed this descriptor and a new one
        // may have taken its number; the generation tells the stale event apart.
        guard let registration = registrations[descriptor],
            registration.generation == generation
        else { return }
        let flags = event.events
        let readiness = IOReadiness(
            isReadable: flags & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0,
            isWritable: flags & EPOLLOUT.rawValue != 0,
            isHangup: flags & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
        )
        registration.handler.handleIOEvent(readiness)
    }
}
