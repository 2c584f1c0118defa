// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// Access to a real systemd-journald for tests.
enum TestJournal {
    /// The package root, found from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // SystemdTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
        .path

    /// Makes sure journald is running, starting it with `scripts/start-journald.sh` (the
    /// script CI runs too) when it is not.
    static func start() throws {
        let output = try ChildProcess.run(
            "/bin/sh",
            [packageRoot + "/scripts/start-journald.sh", "15"],
            timeout: .seconds(30)
        )
        guard output.status == 0 else {
            throw HelperError("journald is not available: \(output.stderr)")
        }
    }

    /// A `SYSLOG_IDENTIFIER` no other test or run uses.
    static func uniqueIdentifier(_ test: String) -> String {
        "sfr-test-\(test)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// The entries journald stored under `identifier`, as field → values (a field may
    /// occur several times in one entry), waiting until
    /// `count` have arrived (journald writes asynchronously) or `timeout` passes.
    ///
    /// Values journalctl prints as byte arrays (non-UTF-8 or non-printable) are decoded
    /// as UTF-8 too.
    static func entries(
        identifier: String,
        count: Int = 1,
        timeout: Duration = .seconds(15)
    ) throws -> [[String: [String]]] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let output = try ChildProcess.run(
                "/usr/bin/journalctl",
                ["-o", "json", "--identifier=\(identifier)", "--no-pager", "--all"],
                timeout: .seconds(30)
            )
            let entries = try parse(output.stdout)
            if entries.count >= count { return entries }
            if ContinuousClock.now >= deadline {
                throw HelperError(
                    "journal has \(entries.count) of \(count) entries for \(identifier); "
                        + "journalctl said: \(output.stderr)"
                )
            }
            // journald offers no event to await from outside; poll gently.
            usleep(50_000)
        }
    }

    private static func parse(_ text: String) throws -> [[String: [String]]] {
        var entries: [[String: [String]]] = []
        for line in text.split(separator: "\n") where !line.isEmpty {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            guard let fields = object as? [String: Any] else {
                throw HelperError("journalctl printed a non-object: \(line)")
            }
            var entry: [String: [String]] = [:]
            for (name, value) in fields {
                // One value is a string, or a byte array when not printable UTF-8; several
                // values of one field come as an array of those.
                if let many = value as? [Any], !(value is [Int]) {
                    entry[name] = many.compactMap(decode)
                } else if let one = decode(value) {
                    entry[name] = [one]
                }
            }
            entries.append(entry)
        }
        return entries
    }

    private static func decode(_ value: Any) -> String? {
        if let string = value as? String { return string }
        if let bytes = value as? [Int] {
            return String(decoding: bytes.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
        }
        return nil
    }
}
