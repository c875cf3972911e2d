import Foundation
import Testing
import SocializerCore
@testable import SocializerCLI
@testable import SocializerStore
import TestSupport

/// `dump`, the per-table exports and `logs export` on both engines (issue
/// 16, phase 3): the same rows give the same bytes, in every format, and
/// the same errors.
extension PostgresVerbsTests {
    /// Rooms, messages, invites, skills, levels, trainings and logs, made through the CLI on both engines.
    func createEverything() {
        createRooms()
        for arguments in [
            ["skills", "add", "empathy", "Listening"], ["skills", "set-level", "alice", "empathy", "7"],
            ["skills", "set-level", "Bob", "Listening", "2"],
            ["training", "start", "alice", "empathy", "--notes", "weekly \"focus\""], ["training", "progress", "alice", "empathy", "0.25"],
            ["training", "start", "Bob", "Listening"], ["training", "complete", "Bob", "Listening"],
            ["logs", "add", "--type", "ValueError", "--message", "bad\nthing", "--user", "alice", "--context", #"{"b": [1, 2.5, true], "a": null}"#],
            ["logs", "add", "--type", "KeyError", "--message", "missing"],
            ["users", "prefs", "set", "alice", "communication", "tone", #""warm""#],
        ] {
            #expect(same(["-q"] + arguments).status == 0, "\(arguments)")
        }
    }

    @Test func dumpAndTheExportsWriteTheSameBytesOnBothEngines() throws {
        createEverything()
        try tablesMatch()
        for arguments in [
            ["dump"], ["--format", "jsonl", "dump"],
            ["skills", "export"], ["--format", "jsonl", "skills", "export"],
            ["training", "export"], ["--format", "jsonl", "training", "export"], ["--format", "csv", "training", "export"],
            ["rooms", "export"], ["--format", "jsonl", "rooms", "export"],
            ["users", "export"],
            ["logs", "export"], ["--format", "csv", "logs", "export"], ["--format", "jsonl", "logs", "export", "--type", "KeyError"],
        ] {
            let result = same(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout.count > 20, "\(arguments)")
        }
        // The dump has every group, and its timestamps, booleans and JSON in the fixture forms.
        let dump = same(["dump"]).stdout
        for needle in [#""is_public":true"#, #""context":{"b":[1,2.5,true],"a":null}"#, #""progress":0.25"#, "Z\"", "\"room\":\"room-1\""] {
            #expect(dump.contains(needle), "\(needle)")
        }
        // Refusals as on SQLite: csv of several tables, an unknown format.
        #expect(same(["--format", "csv", "rooms", "export"]).status == 64)
        #expect(same(["--format", "csv", "dump"]).status == 64)
    }

    @Test func aDumpMeetingAnOrphanFailsTheSameOnBothEngines() throws {
        createEverything()
        // A dump names an orphan the same way on both engines (the app's own databases do not enforce references).
        let (lite, postgres) = (try sqlite.connection(), try scratch.connection())
        try lite.execute("PRAGMA foreign_keys = OFF")
        try postgres.execute("SET session_replication_role = replica")
        for db in [lite, postgres] as [any Database] { try db.execute("UPDATE user_skills SET skill_id = 99 WHERE user_id = 1") }
        let orphan = same(["dump"])
        #expect(orphan.status == 65 && orphan.stderr.contains("user_skills row"), "\(orphan.stderr)")
    }
}
