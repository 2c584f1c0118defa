// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Glibc

// Who may connect to the relay's sockets: the socket file's mode and group, and the peer
// credentials (SO_PEERCRED) the daemon accepts.

/// An octal socket file mode such as `0600`, `0660` or `0666`.
///
/// Connecting to a Unix socket needs write permission on it, so each of owner, group and
/// others must have read and write or nothing: `0640` would look like "group may read" yet
/// let the group do nothing. Execute bits mean nothing on a socket and are refused.
func parseSocketMode(_ text: String) throws(ValueProblem) -> mode_t {
    var digits = Substring(text)
    if digits.hasPrefix("0o") { digits = digits.dropFirst(2) }
    guard !digits.isEmpty, digits.count <= 4, let mode = mode_t(digits, radix: 8) else {
        throw ValueProblem("must be an octal mode such as 0600, 0660 or 0666")
    }
    guard mode <= 0o777 else {
        throw ValueProblem("must be at most 0777 (no setuid, setgid or sticky bits)")
    }
    guard mode & 0o111 == 0 else {
        throw ValueProblem(
            "must not have execute bits (a socket is not run); use 0600, 0660 or 0666"
        )
    }
    guard mode & 0o600 == 0o600 else {
        throw ValueProblem("must give the owner read and write (0600 at least)")
    }
    for (shift, who) in [(3, "group"), (0, "others")] {
        let bits = (mode >> mode_t(shift)) & 0o7
        guard bits == 0 || bits == 0o6 else {
            throw ValueProblem(
                "gives \(who) \(String(bits, radix: 8)): connecting needs read and write,"
                    + " so give \(who) 6 or 0 (0600, 0660 or 0666)"
            )
        }
    }
    return mode
}

/// A mode as `check-config` prints it: `0660`.
func formatMode(_ mode: mode_t) -> String {
    let octal = String(mode, radix: 8)
    return String(repeating: "0", count: max(0, 4 - octal.count)) + octal
}

/// A group given by name (looked up with `getgrnam_r`) or by number.
func resolveGroup(_ text: String) throws(ValueProblem) -> gid_t {
    if let number = parseNumericID(text) { return number }
    if let gid = lookUpGroup(named: text) { return gid }
    throw ValueProblem("names no group on this system: '\(text)'", quotesValue: false)
}

/// A user given by name (looked up with `getpwnam_r`) or by number.
func resolveUser(_ text: String) throws(ValueProblem) -> uid_t {
    if let number = parseNumericID(text) { return number }
    if let uid = lookUpUser(named: text) { return uid }
    throw ValueProblem("names no user on this system: '\(text)'", quotesValue: false)
}

/// A decimal user or group ID; `nil` when the text is not all digits. `(uid_t)-1` is not
/// an ID (chown reads it as "leave unchanged"), so it is refused like a name.
private func parseNumericID(_ text: String) -> UInt32? {
    guard !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber),
        let number = UInt32(text), number != UInt32.max
    else { return nil }
    return number
}

/// `getgrnam_r`, growing the buffer on `ERANGE`. Thread-safe, unlike `getgrnam`.
func lookUpGroup(named name: String) -> gid_t? {
    var entry = group()
    var result: UnsafeMutablePointer<group>?
    var size = 1024
    while size <= 1 << 20 {
        var buffer = [CChar](repeating: 0, count: size)
        let status = getgrnam_r(name, &entry, &buffer, size, &result)
        if status == ERANGE {
            size *= 4
            continue
        }
        return status == 0 && result != nil ? entry.gr_gid : nil
    }
    return nil
}

/// `getpwnam_r`, growing the buffer on `ERANGE`.
func lookUpUser(named name: String) -> uid_t? {
    var entry = passwd()
    var result: UnsafeMutablePointer<passwd>?
    var size = 1024
    while size <= 1 << 20 {
        var buffer = [CChar](repeating: 0, count: size)
        let status = getpwnam_r(name, &entry, &buffer, size, &result)
        if status == ERANGE {
            size *= 4
            continue
        }
        return status == 0 && result != nil ? entry.pw_uid : nil
    }
    return nil
}

/// The name of a group ID, for `check-config`; `nil` when the system has none.
func groupName(of gid: gid_t) -> String? {
    var entry = group()
    var result: UnsafeMutablePointer<group>?
    var buffer = [CChar](repeating: 0, count: 16 * 1024)
    guard getgrgid_r(gid, &entry, &buffer, buffer.count, &result) == 0, result != nil,
        let name = entry.gr_name
    else { return nil }
    return String(cString: name)
}

/// The name of a user ID, for `check-config`; `nil` when the system has none.
func userName(of uid: uid_t) -> String? {
    var entry = passwd()
    var result: UnsafeMutablePointer<passwd>?
    var buffer = [CChar](repeating: 0, count: 16 * 1024)
    guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil,
        let name = entry.pw_name
    else { return nil }
    return String(cString: name)
}

/// A Unix socket path: not empty and short enough for `sockaddr_un` (107 bytes and a NUL).
func parseSocketPath(_ text: String) throws(ValueProblem) -> String {
    guard !text.isEmpty else { throw ValueProblem("must be a path", quotesValue: false) }
    let length = text.utf8.count
    guard length <= 107 else {
        throw ValueProblem(
            "is \(length) bytes; a Unix socket path holds at most 107",
            quotesValue: false
        )
    }
    return text
}

/// A file that exists, is not a directory and that this process can read.
func parseReadableFile(_ text: String) throws(ValueProblem) -> String {
    var info = stat()
    guard stat(text, &info) == 0 else {
        throw ValueProblem("names \(text): \(errnoText(errno))", quotesValue: false)
    }
    guard info.st_mode & S_IFMT != S_IFDIR else {
        throw ValueProblem("names \(text), which is a directory", quotesValue: false)
    }
    guard access(text, R_OK) == 0 else {
        throw ValueProblem(
            "names \(text), which cannot be read (\(errnoText(errno)))",
            quotesValue: false
        )
    }
    return text
}
