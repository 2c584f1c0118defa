// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Synchronization

/// A log threshold that every copy of a `Logger` reads, so a reload can change the level
/// of loggers already handed to libraries.
public final class LogLevelControl: Sendable {
    private let rawLevel: Atomic<Int>

    public init(_ level: LogLevel) {
        rawLevel = Atomic(level.rawValue)
    }

    public var level: LogLevel {
        get { LogLevel(rawValue: rawLevel.load(ordering: .relaxed)) ?? .info }
        set { rawLevel.store(newValue.rawValue, ordering: .relaxed) }
    }
}
