// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// Saves and loads the whole chat state as one JSON file, so a killed and restarted dev
/// server keeps its data and id sequences.
enum StateFile {
    /// The stored state, or a fresh store when there is no path or no file yet.
    static func load(_ path: String?) throws(DevServerError) -> ChatStore {
        guard let path else { return ChatStore() }
        guard FileManager.default.fileExists(atPath: path) else { return ChatStore() }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try JSONDecoder().decode(ChatStore.self, from: data)
        } catch {
            throw .stateFileUnreadable(path: path, reason: "\(error)")
        }
    }

    /// Writes the state atomically: a temporary file in the same directory, then rename.
    static func save(_ store: ChatStore, to path: String) throws(DevServerError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = try encoder.encode(store)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .stateFileUnwritable(path: path, reason: "\(error)")
        }
    }
}
