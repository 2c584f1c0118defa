// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Tests that change the process environment (`NOTIFY_SOCKET`, `LISTEN_*`, `WATCHDOG_*`,
/// `JOURNAL_STREAM`). The environment is process-global, so every suite nested here
/// runs one test at a time; no other suite in this target touches these variables.
@Suite(.serialized) struct ProcessEnvironmentTests {}

/// Runs `body` with the environment variables in `changes` set (or, for `nil`, unset),
/// then puts the previous values back.
func withEnvironment<T>(
    _ changes: [String: String?],
    _ body: () throws -> T
) rethrows -> T {
    var saved: [String: String?] = [:]
    for (name, value) in changes {
        saved[name] = getenv(name).map { String(cString: $0) }
        setEnvironment(name, value)
    }
    defer {
        for (name, value) in saved { setEnvironment(name, value) }
    }
    return try body()
}

private func setEnvironment(_ name: String, _ value: String?) {
    if let value {
        setenv(name, value, 1)
    } else {
        unsetenv(name)
    }
}
