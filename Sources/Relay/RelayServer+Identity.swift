// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

extension RelayServer {
    /// Records the Sharkfin user the API key belongs to, once the daemon has learned it
    /// (the server's `/ws` has no "who am I" operation; REST `register` answers it). Shown
    /// in `relay.hello` and `relay.status` from then on. Safe from any thread.
    public func identityLearned(_ username: String) {
        loop.execute { [self] in
            guard configuration.identity != username else { return }
            configuration.identity = username
            logger.info("upstream identity known", metadata: ["upstream.identity": username])
        }
    }
}
