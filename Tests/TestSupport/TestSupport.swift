// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import Synchronization

/// A fresh directory with a short path (Unix socket paths must stay under 108 bytes),
/// removed by `remove()`; use it with `defer`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "sfr") {
        var template = Array("/tmp/\(prefix).XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed: errno \(errno)")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A path inside the directory.
    public func file(_ name: String) -> String { "\(path)/\(name)" }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The test ran out of time waiting for something.
public struct TestTimeout: Error, CustomStringConvertible {
    public let what: String
    public init(what: String) { self.what = what }
    public var description: String { "timed out waiting for \(what)" }
}

/// Runs `body`, failing with `TestTimeout` if it takes longer than `limit`. Keeps a broken
/// test from hanging the suite, provided `body` ends when cancelled (a task group waits for
/// every child, so a body that ignores cancellation still holds the test).
public func withTimeout<T: Sendable>(
    _ limit: Duration = .seconds(10),
    _ what: String = "operation",
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TestTimeout(what: what)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Polls `condition` until it holds or `limit` passes. For state that offers no event to
/// await (a file appearing, a counter in another process).
public func waitUntil(
    _ what: String,
    timeout limit: Duration = .seconds(10),
    every interval: Duration = .milliseconds(10),
    _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    throw TestTimeout(what: what)
}

/// Collects values from any thread and lets a test await the n-th one.
public final class Recorder<Value: Sendable>: Sendable {
    private struct Waiter {
        var id: UInt64
        var count: Int
        var continuation: CheckedContinuation<Bool, Never>
    }
    private struct State {
        var values: [Value] = []
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
    }
    private let state = Mutex(State())

    public init() {}

    public func record(_ value: Value) {
        let ready = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.values.append(value)
            let count = state.values.count
            let ready = state.waiters.filter { $0.count <= count }.map(\.continuation)
            state.waiters.removeAll { $0.count <= count }
            return ready
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    public var values: [Value] { state.withLock { $0.values } }

    /// Waits until at least `count` values were recorded, then returns them all. Gives up
    /// with `TestTimeout` after `timeout` (the wait itself is cancellable, so the timeout
    /// really ends it).
    public func waitForCount(
        _ count: Int,
        timeout: Duration = .seconds(10)
    ) async throws -> [Value] {
        try await withTimeout(timeout, "\(count) recorded values") { [self] in
            let id = state.withLock { state -> UInt64 in
                defer { state.nextWaiterID += 1 }
                return state.nextWaiterID
            }
            let reached = await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    // nil: parked; the recorder or the cancellation handler resumes it.
                    let immediate = state.withLock { state -> Bool? in
                        if state.values.count >= count { return true }
                        if Task.isCancelled { return false }
                        state.waiters.append(
                            Waiter(id: id, count: count, continuation: continuation)
                        )
                        return nil
                    }
                    if let immediate { continuation.resume(returning: immediate) }
                }
            } onCancel: {
                let waiter = state.withLock { state -> Waiter? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                        return nil
                    }
                    return state.waiters.remove(at: index)
                }
                waiter?.continuation.resume(returning: false)
            }
            guard reached else { throw CancellationError() }
            return values
        }
    }
}
