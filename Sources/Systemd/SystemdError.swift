// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

#if canImport(Glibc)
import Glibc
#endif

/// What went wrong talking to systemd or adopting what it passed us.
///
/// Every case carries the facts an operator needs, and `description` is written to be
/// logged as it is.
public enum SystemdError: Error, Equatable, CustomStringConvertible {
    /// A libsystemd function or a system call returned an error.
    ///
    /// `call` names the function (`sd_notify`, `fcntl(F_SETFD)`); `errno` is the positive
    /// error number (libsystemd returns `-errno`, which is negated back).
    case callFailed(call: String, errno: Int32)

    /// The socket systemd passed (or the one with the wanted name) is not a listening
    /// `AF_UNIX` stream socket; `actual` says what it is instead.
    case unsuitableDescriptor(fd: Int32, name: String, actual: String)

    /// Several descriptors were passed and none (or more than one) carries the wanted
    /// name, so the choice would be a guess.
    case ambiguousDescriptors(wanted: String?, names: [String])

    /// The text of the error number, as `strerror(3)` gives it.
    public var systemMessage: String? {
        guard case .callFailed(_, let errno) = self else { return nil }
        return String(cString: strerror(errno))
    }

    public var description: String {
        switch self {
        case .callFailed(let call, let errno):
            return "\(call) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case .unsuitableDescriptor(let fd, let name, let actual):
            return "socket-activated descriptor \(fd) (\"\(name)\") is \(actual); expected a "
                + "listening AF_UNIX stream socket (check ListenStream= in the .socket unit)"
        case .ambiguousDescriptors(let wanted, let names):
            let list = names.map { "\"\($0)\"" }.joined(separator: ", ")
            if let wanted {
                return "systemd passed \(names.count) descriptors (\(list)) and not exactly "
                    + "one is named \"\(wanted)\" (set FileDescriptorName= in the .socket unit)"
            }
            return "systemd passed \(names.count) descriptors (\(list)); expected exactly one"
        }
    }

    /// Turns a libsystemd return value into success or `.callFailed`.
    ///
    /// - Returns: `result` itself when it is zero or positive.
    @discardableResult
    static func check(_ result: Int32, _ call: String) throws(SystemdError) -> Int32 {
        if result < 0 { throw .callFailed(call: call, errno: -result) }
        return result
    }
}
