// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Testing

@testable import Systemd

#if canImport(Glibc)
import Glibc
#endif

/// `JOURNAL_STREAM` matching against real descriptors.
@Suite struct JournalStreamTests {
    private func identity(of fd: Int32) throws -> String {
        var info = stat()
        try #require(fstat(fd, &info) == 0)
        return "\(info.st_dev):\(info.st_ino)"
    }

    @Test func descriptorMatchingDeviceAndInodeIsConnected() throws {
        let directory = try ScratchDirectory()
        let fd = open(directory.path + "/stream", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        #expect(JournalLogHandler.isDescriptor(fd, connectedTo: try identity(of: fd)))
    }

    @Test func otherOrMalformedStreamsAreNotConnected() throws {
        let directory = try ScratchDirectory()
        let fd = open(directory.path + "/stream", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        let parts = try identity(of: fd).split(separator: ":")
        #expect(
            !JournalLogHandler.isDescriptor(fd, connectedTo: "\(parts[0]):\(UInt64(parts[1])! + 1)")
        )
        #expect(!JournalLogHandler.isDescriptor(fd, connectedTo: nil))
        #expect(!JournalLogHandler.isDescriptor(fd, connectedTo: ""))
        #expect(!JournalLogHandler.isDescriptor(fd, connectedTo: "\(parts[0])"))
        #expect(!JournalLogHandler.isDescriptor(fd, connectedTo: "\(parts[0]):\(parts[1]):1"))
        #expect(!JournalLogHandler.isDescriptor(fd, connectedTo: "x:\(parts[1])"))
        #expect(!JournalLogHandler.isDescriptor(-1, connectedTo: try identity(of: fd)))
    }
}

extension ProcessEnvironmentTests {
    /// `isStderrConnectedToJournal()` reading `JOURNAL_STREAM` in this process.
    @Suite struct StderrJournalStreamTests {
        @Test func stderrIsConnectedWhenJournalStreamNamesIt() throws {
            var info = stat()
            try #require(fstat(2, &info) == 0)
            let connected = withEnvironment(["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"]) {
                JournalLogHandler.isStderrConnectedToJournal()
            }
            #expect(connected)
        }

        @Test func stderrIsNotConnectedOutsideSystemd() {
            let connected = withEnvironment(["JOURNAL_STREAM": nil]) {
                JournalLogHandler.isStderrConnectedToJournal()
            }
            #expect(!connected)
        }
    }
}
