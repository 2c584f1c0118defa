// sharkfin-relay
// SPDX-License-Identifier: Apache-2.0

import Logging
import Testing

@testable import Systemd

#if canImport(Glibc)
import Glibc
#endif

/// Entries written through `JournalLogHandler` to a real systemd-journald and read back
/// with `journalctl -o json`.
///
/// Starting journald (and reading the system journal) needs root, as in CI.
@Suite(.enabled(if: getuid() == 0, "needs root to start and read systemd-journald"))
struct JournalLogHandlerTests {
    init() throws {
        try TestJournal.start()
    }

    @Test func entryCarriesMessagePriorityLocationAndMetadataFields() throws {
        let identifier = TestJournal.uniqueIdentifier("fields")
        let logger = Logger(
            label: "relay.test",
            level: .trace,
            metadata: ["client.pid": "4242"],
            handler: JournalLogHandler(identifier: identifier, fallback: nil)
        )
        let line: UInt = #line + 1
        logger.warning("client dropped", metadata: ["queue-depth": "512", "client.id": "c7"])

        let entries = try TestJournal.entries(identifier: identifier)
        try #require(entries.count == 1)
        let entry = entries[0]
        #expect(entry["MESSAGE"] == ["client dropped"])
        #expect(entry["PRIORITY"] == ["4"])
        #expect(entry["SYSLOG_IDENTIFIER"] == [identifier])
        #expect(entry["CODE_FILE"] == ["SystemdTests/JournalLogHandlerTests.swift"])
        #expect(entry["CODE_LINE"] == [String(line)])
        #expect(entry["CODE_FUNC"] == ["entryCarriesMessagePriorityLocationAndMetadataFields()"])
        #expect(entry["SHARKFIN_LOGGER"] == ["relay.test"])
        #expect(entry["SHARKFIN_CLIENT_PID"] == ["4242"])
        #expect(entry["SHARKFIN_CLIENT_ID"] == ["c7"])
        #expect(entry["SHARKFIN_QUEUE_DEPTH"] == ["512"])
        #expect(entry["MESSAGE_ID"] == nil)
    }

    @Test func everyLevelMapsToItsSyslogPriority() throws {
        let identifier = TestJournal.uniqueIdentifier("levels")
        let logger = Logger(
            label: "relay.test",
            level: .trace,
            handler: JournalLogHandler(identifier: identifier, fallback: nil)
        )
        for level in LogLevel.allCases {
            logger.log(level, "level", metadata: ["level": level.description])
        }
        let entries = try TestJournal.entries(
            identifier: identifier,
            count: LogLevel.allCases.count
        )
        var priorities: [String: String] = [:]
        for entry in entries {
            priorities[entry["SHARKFIN_LEVEL"]?.first ?? "?"] = entry["PRIORITY"]?.first
        }
        #expect(
            priorities == [
                "trace": "7", "debug": "7", "info": "6", "notice": "5", "warning": "4",
                "error": "3", "critical": "2",
            ]
        )
    }

    @Test func messageIDKeyBecomesMessageID() throws {
        let identifier = TestJournal.uniqueIdentifier("msgid")
        let logger = Logger(
            label: "relay",
            handler: JournalLogHandler(identifier: identifier, fallback: nil)
        )
        logger.info(
            "upstream connected",
            metadata: [JournalLogHandler.messageIDKey: RelayMessageID.upstreamConnected]
        )
        logger.info("bad id", metadata: ["message.id": "NOT-AN-ID"])

        let entries = try TestJournal.entries(identifier: identifier, count: 2)
        let connected = try #require(entries.first { $0["MESSAGE"] == ["upstream connected"] })
        #expect(connected["MESSAGE_ID"] == [RelayMessageID.upstreamConnected])
        #expect(connected["SHARKFIN_MESSAGE_ID"] == nil)
        let bad = try #require(entries.first { $0["MESSAGE"] == ["bad id"] })
        #expect(bad["MESSAGE_ID"] == nil)
        #expect(bad["SHARKFIN_MESSAGE_ID"] == ["NOT-AN-ID"])

        let filtered = try ChildProcess.run(
            "/usr/bin/journalctl",
            [
                "-o", "cat", "--identifier=\(identifier)",
                "MESSAGE_ID=\(RelayMessageID.upstreamConnected)",
            ]
        )
        #expect(filtered.stdout == "upstream connected\n")
    }

    @Test func newlinesInMessageAndValuesSurvive() throws {
        let identifier = TestJournal.uniqueIdentifier("newline")
        let logger = Logger(
            label: "relay",
            handler: JournalLogHandler(identifier: identifier, fallback: nil)
        )
        logger.error(
            "first line\nsecond line",
            metadata: ["ws.close.reason": "going away\nbye=now\n", "empty": ""]
        )
        let entry = try #require(try TestJournal.entries(identifier: identifier).first)
        #expect(entry["MESSAGE"] == ["first line\nsecond line"])
        #expect(entry["SHARKFIN_WS_CLOSE_REASON"] == ["going away\nbye=now\n"])
        #expect(entry["SHARKFIN_EMPTY"] == [""])
        #expect(entry["PRIORITY"] == ["3"])
    }

    @Test func unmappableKeysAreKeptInsteadOfDropped() throws {
        let identifier = TestJournal.uniqueIdentifier("unmapped")
        let longKey = String(repeating: "k", count: 56)
        let logger = Logger(
            label: "relay",
            handler: JournalLogHandler(identifier: identifier, fallback: nil)
        )
        logger.info("odd keys", metadata: [longKey: "long", "": "empty", "ünïcode key": "u"])
        let entry = try #require(try TestJournal.entries(identifier: identifier).first)
        #expect(entry["SHARKFIN_UNMAPPED_METADATA"]?.sorted() == ["=empty", "\(longKey)=long"])
        #expect(entry["SHARKFIN__N_CODE_KEY"] == ["u"])
    }
}

/// The mapping from metadata keys to journal field names, without journald.
@Suite struct JournalFieldNameTests {
    @Test func dottedAndDashedKeysBecomePrefixedUppercaseFields() {
        #expect(JournalLogHandler.fieldName(forMetadataKey: "client.pid") == "SHARKFIN_CLIENT_PID")
        #expect(
            JournalLogHandler.fieldName(forMetadataKey: "ws.close-code") == "SHARKFIN_WS_CLOSE_CODE"
        )
        #expect(JournalLogHandler.fieldName(forMetadataKey: "_x") == "SHARKFIN__X")
        #expect(JournalLogHandler.fieldName(forMetadataKey: "9lives") == "SHARKFIN_9LIVES")
        #expect(JournalLogHandler.fieldName(forMetadataKey: "a b=c\n") == "SHARKFIN_A_B_C_")
    }

    @Test func mappedNamesAreAlwaysValidJournalFields() {
        let keys = [
            "client.pid", "_", "0", "a.b-c_d", "ÄÖÜ", "x=y", "tab\there",
            String(repeating: "z", count: 55),
        ]
        for key in keys {
            let name = JournalLogHandler.fieldName(forMetadataKey: key)
            #expect(name.map(JournalLogHandler.isValidFieldName) == true, "key \(key)")
        }
    }

    @Test func emptyAndOverlongKeysHaveNoField() {
        #expect(JournalLogHandler.fieldName(forMetadataKey: "") == nil)
        let longest = String(repeating: "a", count: 64 - 9)
        #expect(JournalLogHandler.fieldName(forMetadataKey: longest)?.count == 64)
        #expect(JournalLogHandler.fieldName(forMetadataKey: longest + "a") == nil)
    }

    @Test func fieldNameValidationFollowsJournaldRules() {
        #expect(JournalLogHandler.isValidFieldName("MESSAGE"))
        #expect(JournalLogHandler.isValidFieldName("A_1"))
        #expect(!JournalLogHandler.isValidFieldName(""))
        #expect(!JournalLogHandler.isValidFieldName("_PID"))
        #expect(!JournalLogHandler.isValidFieldName("1A"))
        #expect(!JournalLogHandler.isValidFieldName("lower"))
        #expect(!JournalLogHandler.isValidFieldName("A-B"))
        #expect(!JournalLogHandler.isValidFieldName(String(repeating: "A", count: 65)))
    }

    @Test func messageIDsAreThirtyTwoLowercaseHexDigits() {
        #expect(RelayMessageID.all.count == Set(RelayMessageID.all).count)
        for id in RelayMessageID.all { #expect(RelayMessageID.isValid(id), "\(id)") }
        #expect(!RelayMessageID.isValid("8E94592F83194D6CB84640C4989D6101"))
        #expect(!RelayMessageID.isValid("8e94592f-8319-4d6c-b846-40c4989d6101"))
        #expect(!RelayMessageID.isValid("8e94592f83194d6cb84640c4989d610"))
    }

    @Test func refusedEntriesGoToTheFallbackHandler() {
        let memory = MemoryLogHandler()
        let handler = JournalLogHandler(identifier: "x", fallback: memory) {
            _ throws(SystemdError) in
            throw .callFailed(call: "sd_journal_sendv", errno: ENOENT)
        }
        Logger(label: "relay", handler: handler).error("journal gone", metadata: ["a": "1"])
        #expect(memory.recorded.map(\.message) == ["journal gone"])
        #expect(memory.recorded.first?.metadata == ["a": "1"])
    }

    @Test func journaldRejectionIsAnErrorNamingTheCall() {
        #expect(throws: SystemdError.callFailed(call: "sd_journal_sendv", errno: EINVAL)) {
            try JournalLogHandler.send([JournalField(name: "", value: "no name")])
        }
    }
}
