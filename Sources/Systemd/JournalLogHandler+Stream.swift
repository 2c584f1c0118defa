// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

#if canImport(Glibc)
import Glibc
#endif

extension JournalLogHandler {
    /// Whether standard error is the journal stream systemd connected for this service.
    ///
    /// systemd sets `JOURNAL_STREAM=<device>:<inode>` for a service whose output goes to
    /// the journal; when `fstat(2)` of descriptor 2 matches both numbers, stderr has not
    /// been redirected since, and the daemon should log through `JournalLogHandler`
    /// (structured fields) rather than plain lines on stderr. Returns `false` outside
    /// systemd.
    public static func isStderrConnectedToJournal() -> Bool {
        let stream = getenv("JOURNAL_STREAM").map { String(cString: $0) }
        return isDescriptor(2, connectedTo: stream)
    }

    /// Whether `fd` is the file `journalStream` (`"<dev>:<ino>"`, decimal) names.
    static func isDescriptor(_ fd: Int32, connectedTo journalStream: String?) -> Bool {
        guard let journalStream else { return false }
        let parts = journalStream.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2,
            let device = UInt64(parts[0]),
            let inode = UInt64(parts[1])
        else { return false }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
