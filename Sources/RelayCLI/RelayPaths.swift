// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Glibc

/// Where the relay's files live by default.
public enum RelayPaths {
    /// `$XDG_RUNTIME_DIR/sharkfin-relay/relay.sock` for a user session,
    /// `/run/sharkfin-relay/relay.sock` for root or when no runtime directory is set.
    public static func defaultSocketPath(
        environment: [String: String],
        userID: uid_t = getuid()
    ) -> String {
        if userID != 0, let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            return "\(runtime)/sharkfin-relay/relay.sock"
        }
        return "/run/sharkfin-relay/relay.sock"
    }
}
