// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import DevServer
import Logging
import Testing

/// The transcript replayed over real sockets against an in-process dev server.
@Suite struct WireReplayTests {
    /// The transcript's users with their keys; alice comes first, so she is admin.
    static let transcriptUsers = [
        DevUser(name: "alice", apiKey: "key-alice"), DevUser(name: "admin", apiKey: "key-admin"),
        DevUser(name: "agent1", apiKey: "key-agent1", type: .agent),
        DevUser(name: "bob", apiKey: "key-bob"),
        DevUser(name: "bot", apiKey: "key-bot", type: .service),
        DevUser(name: "carol", apiKey: "key-carol"),
    ]

    @Test func pythonClientReplaysTheTranscriptWithoutDifferences() async throws {
        let server = DevServer(
            configuration: .init(
                users: Self.transcriptUsers,
                version: "dev-6e44a7d",
                provisionsUsersAtStart: true
            ),
            logger: .disabled
        )
        let port = try await server.start()
        let result = try await PythonRunner.run(
            script: transcriptReplayScript,
            files: ["transcript.txt": upstreamTranscript],
            arguments: ["{dir}/transcript.txt", "\(port)"]
        )
        await server.stop()
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains(", 0 failures"), "\(result.output)")
    }
}
