// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import Logging
import Relay
import SocketIO
import Systemd

/// A listening socket `serve` hands to the relay.
struct ServeSocket {
    var listener: Listener
    var path: String
    /// Adopted from systemd: the unit owns the file, its mode and group; never unlinked.
    var isActivated: Bool
}

extension ServeCommand {
    /// The `FileDescriptorName=` a socket unit gives the read-only socket.
    static let readOnlySocketName = "relay-read-only"

    /// Refuses descriptors systemd passed that the relay would never serve: clients of
    /// such a socket would connect and wait forever.
    func checkPassedDescriptors() throws {
        let known: Set<String> = [SocketActivation.relaySocketName, Self.readOnlySocketName]
        let passed = try SocketActivation.listenFileDescriptors()
        // A single unnamed socket is the main one (checked by `unixStreamListener`).
        guard passed.count > 1 else { return }
        let unexpected = passed.filter { !known.contains($0.name) }
        guard unexpected.isEmpty else {
            throw ServeError.unexpectedDescriptors(unexpected.map { "\($0.fd) (\($0.name))" })
        }
    }

    /// The main socket: adopted from systemd when socket-activated, otherwise bound here.
    func openSocket(on loop: EventLoop, logger: Logger) throws -> ServeSocket {
        try checkPassedDescriptors()
        let activated = try SocketActivation.unixStreamListener(
            named: SocketActivation.relaySocketName
        )
        if let descriptor = activated {
            let listener = try Listener(adoptingDescriptor: descriptor, on: loop)
            let path = boundUnixPath(of: descriptor) ?? options.socketPath
            logger.info("socket adopted from systemd", metadata: ["socket.path": path])
            return ServeSocket(listener: listener, path: path, isActivated: true)
        }
        let listener = try bindSocket(at: options.socketPath, on: loop, logger: logger)
        return ServeSocket(listener: listener, path: options.socketPath, isActivated: false)
    }

    /// The read-only socket, if one is configured or passed: adopted when systemd passes a
    /// descriptor named `relay-read-only`, otherwise bound at `read-only-socket`.
    func openReadOnlySocket(on loop: EventLoop, logger: Logger) throws -> ServeSocket? {
        let passed = try SocketActivation.listenFileDescriptors()
        if let descriptor = passed.first(where: { $0.name == Self.readOnlySocketName })?.fd {
            let listener = try Listener(adoptingDescriptor: descriptor, on: loop)
            let path = boundUnixPath(of: descriptor) ?? options.readOnlySocketPath ?? "unknown"
            logger.info(
                "read-only socket adopted from systemd",
                metadata: ["socket.path": path, "socket.access": "read-only"]
            )
            return ServeSocket(listener: listener, path: path, isActivated: true)
        }
        guard let path = options.readOnlySocketPath else { return nil }
        let listener = try bindSocket(at: path, on: loop, logger: logger)
        return ServeSocket(listener: listener, path: path, isActivated: false)
    }

    /// Binds a socket with `socket-mode` and `socket-group`, never more open than asked.
    ///
    /// The socket is bound owner-only (0600, through the umask around `bind`), then given
    /// its group, then its final mode: each step only narrows or widens towards exactly
    /// what was configured, so no other user can connect in between.
    private func bindSocket(at path: String, on loop: EventLoop, logger: Logger) throws
        -> Listener
    {
        try prepareSocketDirectory(for: path, logger: logger)
        if try SocketPathClaim.claim(path: path) == .replacedStale {
            logger.notice(
                "replaced a stale socket left by an earlier relay",
                metadata: ["socket.path": path]
            )
        }
        let listener = try Listener.unix(path: path, mode: 0o600, on: loop)
        do {
            if let group = options.socketGroup, chown(path, uid_t.max, group) != 0 {
                throw ServeError.socketPermissions(path, "chown to group \(group)", errno)
            }
            if options.socketMode != 0o600, chmod(path, options.socketMode) != 0 {
                throw ServeError.socketPermissions(
                    path,
                    "chmod \(formatMode(options.socketMode))",
                    errno
                )
            }
        } catch {
            // The listener's deinit closes the descriptor; the file must go too.
            unlink(path)
            throw error
        }
        var metadata: LogMetadata = [
            "socket.path": path,
            "socket.mode": formatMode(options.socketMode),
        ]
        if let group = options.socketGroup { metadata["socket.group"] = String(group) }
        logger.info("listening", metadata: metadata)
        return listener
    }

    /// Makes sure the socket's directory is fit for it.
    ///
    /// - A missing directory is created for the socket's audience: 0700, plus group read
    ///   and search (0750) when `socket-mode` lets the group in, plus the same for others
    ///   (0755) when it lets others in; it gets `socket-group` too.
    /// - An existing directory is left as it is, but one that others may write to is
    ///   refused (they could replace the socket with their own), unless it is sticky like
    ///   `/tmp`. A warning says when the directory keeps out users the socket mode admits.
    func prepareSocketDirectory(for socketPath: String, logger: Logger) throws {
        let directory = (socketPath as NSString).deletingLastPathComponent
        guard !directory.isEmpty else { return }
        let groupAdmitted = options.socketMode & 0o060 != 0
        let othersAdmitted = options.socketMode & 0o006 != 0
        var info = stat()
        if stat(directory, &info) != 0 {
            guard errno == ENOENT else {
                throw ServeError.socketDirectory(directory, String(cString: strerror(errno)))
            }
            let mode: mode_t = 0o700 | (groupAdmitted ? 0o050 : 0) | (othersAdmitted ? 0o005 : 0)
            // Created owner-only (whatever the umask), then given its group and mode.
            if mkdir(directory, 0o700) != 0, errno != EEXIST {
                throw ServeError.socketDirectory(directory, String(cString: strerror(errno)))
            }
            if let group = options.socketGroup, chown(directory, uid_t.max, group) != 0 {
                throw ServeError.socketPermissions(directory, "chown to group \(group)", errno)
            }
            if chmod(directory, mode) != 0 {
                throw ServeError.socketPermissions(directory, "chmod \(formatMode(mode))", errno)
            }
            return
        }
        let sticky = info.st_mode & S_ISVTX != 0
        if info.st_mode & 0o002 != 0, !sticky {
            throw ServeError.socketDirectory(
                directory,
                "it is writable by others; use a private directory (mode 0700)"
            )
        }
        let groupCanSearch = info.st_mode & 0o010 != 0 || info.st_mode & 0o001 != 0
        if (groupAdmitted && !groupCanSearch) || (othersAdmitted && info.st_mode & 0o001 == 0) {
            logger.warning(
                "the socket's directory keeps out users the socket mode admits",
                metadata: [
                    "socket.directory": directory,
                    "socket.directory.mode": formatMode(info.st_mode & 0o7777),
                    "socket.mode": formatMode(options.socketMode),
                ]
            )
        }
    }
}
