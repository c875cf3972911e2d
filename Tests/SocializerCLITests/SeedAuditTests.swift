import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerStore

/// `seed` records one audit entry per run, in the load's transaction (issue
/// 17 point 2), with the rows written per table as the engine counted them
/// (as for every write action), checked here against triggers of our own.
@Suite struct SeedAuditTests {
    static func entries(_ s: SeedFixture) throws -> [Row] {
        try s.connection().rows("SELECT * FROM admin_audit ORDER BY id")
    }

    /// `{"users": {"inserted": 6}, …}` as a dictionary (without the test's own `tally`).
    static func rows(_ entry: Row) throws -> [String: [String: Int64]] {
        var all: [String: [String: Int64]] = [:]
        for (table, counts) in try JSONParser.parse(entry.string("rows")).objectMembers ?? [] where table != "tally" {
            all[table] = Dictionary(uniqueKeysWithValues: (counts.objectMembers ?? []).map { ($0.0, $0.1.int64 ?? -1) })
        }
        return all
    }

    /// A tally kept by triggers, one per table and kind of change: the
    /// engine's count, independent of the loader's.
    static func installTally(_ db: Connection) throws {
        try db.execute("CREATE TABLE tally (tbl TEXT NOT NULL, op TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (tbl, op))")
        for group in FixtureGroup.allCases {
            for op in ["insert", "update"] {
                try db.execute("INSERT INTO tally VALUES (?, ?, 0)", [group.table, op])
                try db.execute("""
                    CREATE TRIGGER tally_\(group.table)_\(op) AFTER \(op.uppercased()) ON \(group.table)
                    BEGIN UPDATE tally SET n = n + 1 WHERE tbl = '\(group.table)' AND op = '\(op)'; END
                    """)
            }
        }
    }

    /// The tally as an entry's rows (`inserted`/`updated`, tables without changes left out); zeroed after.
    static func takeTally(_ db: Connection) throws -> [String: [String: Int64]] {
        var all: [String: [String: Int64]] = [:]
        for row in try db.rows("SELECT tbl, op, n FROM tally WHERE n > 0") {
            all[try row.string("tbl"), default: [:]][try row.string("op") == "insert" ? "inserted" : "updated"] = try row.int("n")
        }
        try db.execute("UPDATE tally SET n = 0")
        return all
    }

    @Test func eachRunRecordsOneEntryWithTheRowsTheEngineWrote() throws {
        let s = SeedFixture()
        #expect(s.cli(["-q", "migrate", "up"]).status == 0)
        let db = try s.connection()
        try Self.installTally(db)
        s.f.environment["SOCIALIZER_ACTOR"] = "ci-bot"
        for arguments in [["--demo"], ["--demo", "--on-conflict", "update"], ["--demo", "--on-conflict", "skip"],
                          [shippedFixtures() + "/ci.json", "--on-conflict", "update"]] {
            let before = try Self.entries(s).count
            s.seed(arguments)
            let entries = try Self.entries(s)
            try #require(entries.count == before + 1, "\(arguments)")
            let entry = entries[before]
            #expect(try entry.string("command") == "seed" && entry.string("actor") == "ci-bot")
            #expect(try entry.optionalString("target") == nil)
            let engine = try Self.takeTally(db)
            #expect(!engine.isEmpty)
            #expect(try Self.rows(entry) == engine, "\(arguments)")
        }
        // The entry names what was given, not the data.
        #expect(try Self.entries(s).last?.string("details") == #"{"arguments":{"FILE":["\#(shippedFixtures())/ci.json"],"on-conflict":"update"}}"#)
    }

    @Test func aNewDatabaseHoldsTheEntryOfItsOwnSeeding() throws {
        let s = SeedFixture()
        s.seed(["--demo"])
        let first = try Self.entries(s)
        try #require(first.count == 1)
        #expect(try first[0].string("command") == "seed" && first[0].string("details") == #"{"arguments":{"demo":true}}"#)
        var counts: [String: [String: Int64]] = [:]
        for group in FixtureGroup.allCases {
            let n = try s.count(group.table)
            if n > 0 { counts[group.table] = ["inserted": n] }
        }
        // A user given memory is written again once inserted: the memory document names the user's id.
        counts["users"]?["updated"] = try s.connection().scalarInt("SELECT count(*) FROM users WHERE conversation_memory IS NOT NULL")
        #expect(try Self.rows(first[0]) == counts)
        // --fresh replaces the file: the new one holds its own seeding only.
        #expect(s.cli(["logs", "add", "--type", "T", "--message", "M"]).status == 0)
        #expect(try Self.entries(s).count == 2)
        s.seed(["--fresh", shippedFixtures() + "/ci.json"])
        let fresh = try Self.entries(s)
        try #require(fresh.count == 1)
        #expect(try fresh[0].string("details") == #"{"arguments":{"FILE":["\#(shippedFixtures())/ci.json"],"fresh":true}}"#)
        #expect(try Self.rows(fresh[0])["users"] == ["inserted": s.count("users")])
    }

    @Test func generatedDataIsRecordedWithItsCounts() throws {
        let s = SeedFixture()
        s.seed(["--generate", "users=20,rooms=3,messages=50,tokens=5", "--random-seed", "3"])
        let entries = try Self.entries(s)
        try #require(entries.count == 1)
        let rows = try Self.rows(entries[0])
        for group in FixtureGroup.allCases {
            let n = try s.count(group.table)
            #expect(rows[group.table] == (n > 0 ? ["inserted": n] : nil), "\(group.table)")
        }
        #expect(try entries[0].string("details") == #"{"arguments":{"generate":"users=20,rooms=3,messages=50,tokens=5","random-seed":3}}"#)
    }

    /// A dry run, a refusal and a load that fails record nothing, and change nothing.
    @Test func noEntryWithoutAChange() throws {
        let s = SeedFixture()
        s.seed(["--demo"])
        let db = try s.connection()
        let before = try contents(db)
        let dry = s.cli(["--dry-run", "seed", "--demo", "--on-conflict", "skip"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let bad = s.folder.write("bad.json", #"{"socializer_fixture": 1, "skills": [{"skill_name": "tact"}], "user_skills": [{"user": "nobody", "skill": "tact", "level": 3}]}"#)
        for (arguments, status) in [(["seed", "--demo"], Int32(65)), (["seed", bad], 65),
                                    (["seed", "--generate", "users=3"], 65), (["seed", "--demo", "--max-errors", "0"], 64)] {
            let result = s.cli(arguments)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
        }
        #expect(try contents(db) == before)
        // Skipping the trail takes both switches, as for every verb.
        s.f.environment["SOCIALIZER_AUDIT"] = "off"
        #expect(s.cli(["--no-audit", "seed", "--demo", "--on-conflict", "skip"]).status == 0)
        #expect(try Self.entries(s).count == 1)
    }
}
