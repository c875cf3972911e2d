import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerStore

@Suite struct LegacyAdoptionTests {
    let folder = TemporaryDirectory()
    let clock = FixedClock(testNow)

    @Test func aDatabaseTheAppMadeIsDetectedAndUpRefusesUntilBaseline() throws {
        let db = try LegacyDatabase.create(at: folder.file("app.db"))
        let migrator = Migrator(connection: db, clock: clock)
        #expect(try migrator.state() == .legacy)
        #expect {
            try migrator.up()
        } throws: { error in
            let e = error as? SocializerError
            return e?.code == .configuration && e?.reason == .legacyNeedsBaselineFirst && e?.hint == nil
        }
        #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'") == 0)
    }

    @Test func baselineThenUpKeepsEveryRowIdAndCounter() throws {
        let db = try LegacyDatabase.create(at: folder.file("app.db"))
        var before: [String: [String]] = [:]
        for table in LegacyDatabase.dataTables { before[table] = try LegacyDatabase.dump(db, table) }
        let sequences = try db.rows("SELECT name, seq FROM sqlite_sequence ORDER BY name").map { $0.values }
        let migrator = Migrator(connection: db, clock: clock)

        let leftAlone = try migrator.baseline()
        #expect(leftAlone == ["alembic_version", "life_events"])
        #expect(try migrator.state() == .migrated(version: 1))
        #expect(try migrator.appliedMigrations().first?.checksum == Migrations.all[0].checksum)

        let runs = try migrator.up()
        #expect(runs.map(\.migration.version) == Migrations.all.dropFirst().map(\.version))
        #expect(try migrator.state() == .migrated(version: Migrations.latestVersion))
        for table in LegacyDatabase.dataTables {
            #expect(try LegacyDatabase.dump(db, table) == before[table], "\(table)")
        }
        #expect(try db.rows("SELECT name, seq FROM sqlite_sequence ORDER BY name").map { $0.values } == sequences)
        #expect(try db.scalar("PRAGMA integrity_check") == .text("ok"))
        #expect(try db.rows("PRAGMA foreign_key_check").isEmpty)
        #expect(try db.scalar("PRAGMA journal_mode") == .text("delete"))
        // Unknown tables are untouched, defaults now work on the app's tables.
        #expect(try db.scalarInt("SELECT count(*) FROM life_events") == 1)
        try db.execute("INSERT INTO user_skills (user_id, skill_id) VALUES (2, 1)")
        #expect(try db.scalarInt("SELECT max(id) FROM user_skills") == 42)
    }

    @Test func theRebuildCascadesOnTheAdoptedDatabase() throws {
        let db = try LegacyDatabase.create(at: folder.file("app.db"))
        let migrator = Migrator(connection: db, clock: clock)
        _ = try migrator.baseline()
        _ = try migrator.up()
        // life_events (the app's, not migrated) refers to users without a cascade: a bare
        // DELETE would fail on it, which is why `users delete` walks the live references.
        #expect(throws: DatabaseError.self) { try db.execute("DELETE FROM users WHERE id = 1") }
        try db.execute("DELETE FROM life_events")
        try db.execute("DELETE FROM users WHERE id = 1")
        #expect(try db.scalarInt("SELECT count(*) FROM chat_rooms WHERE creator_id = 1") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM room_members WHERE room_id = 1") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM room_invites") == 0)
        #expect(try db.rows("PRAGMA foreign_key_check").isEmpty)
    }

    @Test func baselineReportsEveryDifferenceAndRecordsNothing() throws {
        let db = try Connection(path: folder.file("odd.db"), mode: .createIfMissing)
        for statement in LegacyDatabase.ddl {
            if statement.contains("CREATE TABLE room_invites") || statement.contains("ix_room_invites_id") { continue }
            if statement.hasPrefix("ALTER TABLE users ADD COLUMN llm_model") { continue }
            try db.execute(statement.replacingAll("error_type VARCHAR(100) NOT NULL", with: "error_type TEXT")
                .replacingAll("skill_name VARCHAR,", with: "skill_name VARCHAR, extra TEXT,"))
        }
        let migrator = Migrator(connection: db, clock: clock)
        #expect(try migrator.baselineDifferences() == [
            "users: column llm_model is missing",
            "skills: unexpected column extra (migration 0002 rebuilds this table and would not carry it)",
            "error_logs.error_type: type is TEXT, expected VARCHAR(100)",
            "error_logs.error_type: allows NULL, expected NOT NULL",
            "table room_invites is missing",
        ])
        #expect {
            try migrator.baseline()
        } throws: { error in
            let e = error as? SocializerError
            return e?.code == .invalidData && e?.details.count == 5
        }
        #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'") == 0)
    }

    @Test func orphanRowsStopTheRebuildWithoutChangingAnything() throws {
        let db = try LegacyDatabase.create(at: folder.file("app.db"))
        // The app does not enforce references; a deleted user leaves logs behind.
        try db.execute("PRAGMA foreign_keys = OFF")
        try db.execute("INSERT INTO error_logs VALUES (9, '2025-12-05 00:00:00.000000', 77, 'E', 'orphan', NULL, NULL)")
        try db.execute("PRAGMA foreign_keys = ON")
        let migrator = Migrator(connection: db, clock: clock)
        _ = try migrator.baseline()
        #expect {
            try migrator.up()
        } throws: { error in
            let e = error as? SocializerError
            return e?.code == .invalidData && e?.details == ["error_logs.user_id → users: 1 row(s) refer to a missing parent (rowid 9)"]
        }
        #expect(try migrator.state() == .migrated(version: 1))
        #expect(try db.rows("PRAGMA table_info(users)").allSatisfy { $0["dflt_value"] == .null })
        #expect(try db.scalar("PRAGMA foreign_keys") == .integer(1))
    }
}
