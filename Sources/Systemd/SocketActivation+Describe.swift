// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

#if canImport(Glibc)
import Glibc
#endif

extension SocketActivation {
    /// A short phrase saying what `fd` is, for error messages: "an AF_UNIX datagram
    /// socket", "a non-listening AF_INET stream socket", "a regular file", …
    static func describeDescriptor(_ fd: Int32) -> String {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            return "unusable (fstat: \(String(cString: strerror(errno))))"
        }
        switch info.st_mode & S_IFMT {
        case S_IFSOCK: return describeSocket(fd)
        case S_IFREG: return "a regular file"
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO or pipe"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFLNK: return "a symbolic link"
        default: return "a file of unknown type (mode \(String(info.st_mode, radix: 8)))"
        }
    }

    /// Family, type and listening state of the socket `fd`.
    private static func describeSocket(_ fd: Int32) -> String {
        let family = socketOption(fd, SO_DOMAIN).map(familyName) ?? "unknown-family"
        let type = socketOption(fd, SO_TYPE).map(typeName) ?? "unknown-type"
        let listening = socketOption(fd, SO_ACCEPTCONN).map { $0 != 0 }
        let prefix: String
        switch listening {
        case true?: prefix = "a listening"
        case false?: prefix = "a non-listening"
        case nil: prefix = "a"
        }
        return "\(prefix) \(family) \(type) socket"
    }

    private static func socketOption(_ fd: Int32, _ option: Int32) -> Int32? {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, option, &value, &length) == 0 else { return nil }
        return value
    }

    private static func familyName(_ family: Int32) -> String {
        switch family {
        case AF_UNIX: "AF_UNIX"
        case AF_INET: "AF_INET"
        case AF_INET6: "AF_INET6"
        case AF_NETLINK: "AF_NETLINK"
        default: "address family \(family)"
        }
    }

    private static func typeName(_ type: Int32) -> String {
        switch type {
        case Int32(SOCK_STREAM.rawValue): "stream"
        case Int32(SOCK_DGRAM.rawValue): "datagram"
        case Int32(SOCK_SEQPACKET.rawValue): "seqpacket"
        case Int32(SOCK_RAW.rawValue): "raw"
        default: "type-\(type)"
        }
    }
}
