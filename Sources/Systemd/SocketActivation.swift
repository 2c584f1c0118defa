// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// Adopts the listening sockets systemd passes to a socket-activated service.
///
/// systemd hands them over as descriptors 3, 4, … with `LISTEN_PID`, `LISTEN_FDS` and
/// `LISTEN_FDNAMES` in the environment. Outside socket activation both functions return
/// nothing, so the daemon falls back to binding its own socket.
///
/// The environment is left in place (`unset_environment` is 0), so calling these twice
/// returns the same descriptors: adopt them once and let one owner close them.
/// `LISTEN_PID` is checked, so a child process that inherits the variables sees nothing.
public enum SocketActivation {
    /// The `FileDescriptorName=` of the relay's socket in contrib/systemd; pass it to
    /// `unixStreamListener(named:)`.
    public static let relaySocketName = "relay"

    /// The descriptors systemd passed to this process, with their names.
    ///
    /// Names come from `FileDescriptorName=` (by default the socket unit's name, such as
    /// `sharkfin-relay.socket`) and are `"unknown"` when systemd sent none. Every returned
    /// descriptor has `FD_CLOEXEC` set, so it does not leak into processes we spawn.
    ///
    /// - Returns: an empty array when not socket-activated.
    /// - Throws: `.callFailed` when the variables are malformed or a descriptor is bad.
    public static func listenFileDescriptors() throws(SystemdError) -> [(fd: Int32, name: String)] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        let count = try SystemdError.check(
            sd_listen_fds_with_names(0, &names),
            "sd_listen_fds_with_names"
        )
        defer { freeStringArray(names) }
        var result: [(fd: Int32, name: String)] = []
        for index in 0..<Int(count) {
            let fd = SD_LISTEN_FDS_START + Int32(index)
            let name = names?[index].map { String(cString: $0) } ?? "unknown"
            try setCloseOnExec(fd)
            result.append((fd: fd, name: name))
        }
        return result
    }

    /// The one listening `AF_UNIX` stream socket systemd passed, or `nil` when the
    /// process was not socket-activated.
    ///
    /// With `name`, the descriptor of that name is chosen; without it, or when no
    /// descriptor carries it, exactly one descriptor must have been passed.
    ///
    /// - Parameter name: the `FileDescriptorName=` to look for, if any.
    /// - Throws: `.unsuitableDescriptor` naming what the descriptor is instead (a
    ///   datagram socket, a TCP socket, a regular file, …), `.ambiguousDescriptors` when
    ///   several were passed and the name does not pick exactly one, `.callFailed` when
    ///   libsystemd or a system call fails.
    public static func unixStreamListener(named name: String?) throws(SystemdError) -> Int32? {
        try unixStreamListener(named: name, from: listenFileDescriptors())
    }

    /// The choice and validation behind `unixStreamListener(named:)`, over a given list
    /// of descriptors (which tests build from ordinary sockets).
    static func unixStreamListener(
        named name: String?,
        from descriptors: [(fd: Int32, name: String)]
    ) throws(SystemdError) -> Int32? {
        guard !descriptors.isEmpty else { return nil }
        let chosen: (fd: Int32, name: String)
        let matching = descriptors.filter { $0.name == name }
        if name != nil, matching.count == 1 {
            chosen = matching[0]
        } else if matching.isEmpty, descriptors.count == 1 {
            chosen = descriptors[0]
        } else {
            throw .ambiguousDescriptors(wanted: name, names: descriptors.map(\.name))
        }
        let isListener = try SystemdError.check(
            sd_is_socket_unix(chosen.fd, Int32(SOCK_STREAM.rawValue), 1, nil, 0),
            "sd_is_socket_unix"
        )
        guard isListener > 0 else {
            throw .unsuitableDescriptor(
                fd: chosen.fd,
                name: chosen.name,
                actual: describeDescriptor(chosen.fd)
            )
        }
        try setCloseOnExec(chosen.fd)
        return chosen.fd
    }

    /// Sets `FD_CLOEXEC` on `fd`, keeping its other descriptor flags.
    static func setCloseOnExec(_ fd: Int32) throws(SystemdError) {
        let flags = fcntl(fd, F_GETFD)
        guard flags >= 0 else { throw .callFailed(call: "fcntl(F_GETFD)", errno: errno) }
        if flags & FD_CLOEXEC != 0 { return }
        guard fcntl(fd, F_SETFD, flags | FD_CLOEXEC) >= 0 else {
            throw .callFailed(call: "fcntl(F_SETFD)", errno: errno)
        }
    }

    /// Frees a NULL-terminated string array allocated by libsystemd (a `strv`).
    private static func freeStringArray(
        _ array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    ) {
        guard let array else { return }
        var index = 0
        while let string = array[index] {
            free(string)
            index += 1
        }
        free(array)
    }
}
