import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerStore

@Suite struct MigratorTests {
    let folder = TemporaryDirectory()
    let clock = FixedClock(testNow)

    func migrated(_ name: String = "app.db", to version: Int? = nil) throws -> (Connection, Migrator) {
        let connection = try Connection(path: folder.file(name), mode: .createIfMissing)
        let migrator = Migrator(connection: connection, clock: clock)
        _ = try migrator.up(to: version)
        return (connection, migrator)
    }

    @Test func upCreatesTheTwelveTablesAndRecordsEachMigration() throws {
        let (db, migrator) = try migrated()
        #expect(try migrator.state() == .migrated(version: Migrations.latestVersion))
        let tables = try db.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .map { try $0.string("name") }
        #expect(tables == ["admin_audit", "chat_rooms", "error_logs", "general_chat_messages", "room_invites", "room_members",
                           "room_messages", "schema_migrations", "skills", "token_blacklist", "training",
                           "user_preferences", "user_skills", "users"])
        let applied = try migrator.appliedMigrations()
        #expect(applied.map(\.version) == [1, 2, 3, 4, 5, 6, 7])
        #expect(applied.map(\.name) == ["initial", "defaults_and_cascades", "indexes", "email_lookup", "admin_audit", "purge_indexes", "sender_indexes"])
        #expect(applied.allSatisfy { $0.appliedAt == testNow.databaseText && $0.durationMilliseconds != nil })
        #expect(applied.map(\.checksum) == Migrations.all.map(\.checksum))
        #expect(try migrator.up().isEmpty)
    }

    @Test func migrationsAreNamedAndNumberedAndChecksummed() {
        #expect(Migrations.all.map(\.identifier) == ["0001_initial", "0002_defaults_and_cascades", "0003_indexes",
                                                      "0004_email_lookup", "0005_admin_audit", "0006_purge_indexes",
                                                      "0007_sender_indexes"])
        #expect(Set(Migrations.all.map(\.checksum)).count == Migrations.all.count)
        #expect(Migrations.all.allSatisfy { $0.checksum.count == 64 })
    }

    @Test func version1IsExactlyTheAppsOwnSchema() throws {
        let (db, migrator) = try migrated(to: 1)
        #expect(try migrator.baselineDifferences().isEmpty)
        // No column has an SQL default in the app's schema.
        for table in SchemaModel.tableNames {
            let defaults = try db.rows("PRAGMA table_info(\(table))").filter { $0["dflt_value"] != .null }
            #expect(defaults.isEmpty, "\(table)")
        }
        #expect(throws: DatabaseError.self) {
            try db.execute("INSERT INTO users (username, hashed_password, hashed_email) VALUES ('a', 'b', 'c')")
        }
        let legacy = try LegacyDatabase.create(at: folder.file("legacy.db"), withRows: false)
        func ddl(_ c: Connection) throws -> [String: String] {
            var result: [String: String] = [:]
            for row in try c.rows("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT IN ('schema_migrations', 'alembic_version', 'life_events')") {
                result[try row.string("name")] = try row.string("sql").filter { !$0.isWhitespace }
            }
            return result
        }
        #expect(try Set(ddl(db).keys) == Set(ddl(legacy).keys))
        for (name, text) in try ddl(legacy) {
            #expect(try ddl(db)[name] == text, "\(name)")
        }
    }

    @Test func version2AddsTheDocumentedDefaultsAndCascades() throws {
        let (db, _) = try migrated()
        try db.execute("INSERT INTO users (username, hashed_password, hashed_email) VALUES ('alice', 'h', 'e')")
        let user = try #require(try db.firstRow("SELECT * FROM users"))
        #expect(user["role"] == .text("user"))
        #expect(user["is_active"] == .integer(1))
        #expect(user["temperature"] == .real(0.7))
        #expect(user["preferences"] == .text("{}"))
        #expect(user["messages"] == .integer(0))
        #expect(try user.string("member_since").count == 10)
        try db.execute("INSERT INTO chat_rooms (creator_id) VALUES (1)")
        let room = try #require(try db.firstRow("SELECT created_at, room_type, ai_enabled, is_public FROM chat_rooms"))
        let created = try room.string("created_at")
        #expect(created.count == 26 && Timestamp.parse(created) != nil, "canonical DATETIME: \(created)")
        #expect(room["room_type"] == .text("group") && room["ai_enabled"] == .integer(1) && room["is_public"] == .integer(0))
        var references: [String] = []
        for table in SchemaModel.tableNames {
            for key in try db.rows("PRAGMA foreign_key_list(\(table))") {
                references.append("\(table).\(try key.string("from"))->\(try key.string("table")):\(try key.string("on_delete"))")
            }
        }
        #expect(references.filter { $0.hasSuffix(":NO ACTION") }.isEmpty, "\(references)")
        #expect(references.contains("room_invites.message_id->room_messages:SET NULL"))
        #expect(references.contains("chat_rooms.creator_id->users:CASCADE"))
    }

    @Test func version3AddsTheAdminIndexes() throws {
        let (db, _) = try migrated()
        let names = Set(try db.rows("SELECT name FROM sqlite_master WHERE type = 'index'").map { try $0.string("name") })
        for expected in ["ix_token_blacklist_expires_at", "ix_token_blacklist_user_id", "ix_error_logs_timestamp",
                         "ix_error_logs_user_id", "ix_error_logs_error_type", "ix_room_messages_room_id_created_at",
                         "ix_room_members_user_id", "ix_room_invites_invitee_id_status",
                         "ix_general_chat_messages_sender_id", "ix_user_skills_skill_id", "ix_training_skill_id",
                         "ix_chat_rooms_creator_id", "ix_user_preferences_user_id", "ix_token_blacklist_token",
                         "ix_users_id", "ix_room_messages_created_at"] {
            #expect(names.contains(expected), "\(expected)")
        }
        let plan = try db.rows("EXPLAIN QUERY PLAN DELETE FROM token_blacklist WHERE expires_at < ?", ["2026-01-01"])
            .map { try $0.string("detail") }.joined()
        #expect(plan.contains("ix_token_blacklist_expires_at"), "\(plan)")
    }

    @Test func downRevertsStepByStepAndUpComesBack() throws {
        let (db, migrator) = try migrated()
        _ = try migrator.down(to: 2)
        #expect(try migrator.state() == .migrated(version: 2))
        #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'ix_error_logs_timestamp'") == 0)
        _ = try migrator.down(to: 1)
        #expect(try migrator.baselineDifferences().isEmpty)
        #expect(try db.rows("PRAGMA table_info(users)").allSatisfy { $0["dflt_value"] == .null })
        _ = try migrator.down(to: 0)
        #expect(try migrator.state() == .empty)
        _ = try migrator.up()
        #expect(try migrator.state() == .migrated(version: Migrations.latestVersion))
    }

    // BAD-INPUT 40 (in process: a migration that fails half-way; kill -9 is in MigrationCrashTests)
    @Test func aFailingMigrationLeavesTheDatabaseAsItWasAndNamesTheStatement() throws {
        let (db, migrator) = try migrated(to: 2)
        // Something in the way of 0003's fifth index.
        try db.execute("CREATE TABLE ix_error_logs_error_type (x)")
        let before = try db.scalarInt("SELECT count(*) FROM sqlite_master")
        #expect {
            try migrator.up()
        } throws: { error in
            let message = (error as? SocializerError)?.message ?? ""
            return message.contains("0003_indexes failed at statement 5 of 13")
                && message.contains("CREATE INDEX ix_error_logs_error_type") && message.contains("unchanged")
        }
        #expect(try migrator.state() == .migrated(version: 2))
        #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master") == before)
    }

    // BAD-INPUT 41
    @Test func aModifiedMigrationIsRefusedByUp() throws {
        let (db, migrator) = try migrated(to: 2)
        try db.execute("UPDATE schema_migrations SET checksum = 'abc' WHERE version = 2")
        #expect(try migrator.checksumMismatches().map(\.version) == [2])
        #expect {
            try migrator.up()
        } throws: { error in
            let e = error as? SocializerError
            return e?.code == .invalidData && e?.message.contains("0002_defaults_and_cascades") == true
        }
        #expect(try migrator.state() == .migrated(version: 2))
    }

    @Test func aNewerDatabaseIsRefused() throws {
        let (db, migrator) = try migrated()
        try db.execute("INSERT INTO schema_migrations VALUES (99, 'future', 'x', '2030-01-01 00:00:00.000000', 1)")
        #expect(try migrator.state() == .newer(version: 99))
        #expect(throws: SocializerError.self) { try migrator.up() }
        #expect {
            try migrator.requireUsable()
        } throws: { ($0 as? SocializerError)?.code == .configuration }
    }

    @Test func anEmptyDatabaseIsNotUsable() throws {
        let db = try Connection(path: folder.file("e.db"), mode: .createIfMissing)
        let migrator = Migrator(connection: db, clock: clock)
        #expect(try migrator.state() == .empty)
        #expect {
            try migrator.requireUsable()
        } throws: { error in
            let e = error as? SocializerError
            return e?.code == .configuration && e?.reason == .notMigrated
        }
    }
}

/// Versions are handed to parallel work up front, so a build may lack one:
/// each migration starts from the one before it in the list.
@Test func eachMigrationStartsFromTheOneBeforeIt() {
    #expect(Migrations.version(before: Migrations.all[0].version) == 0)
    for (previous, next) in zip(Migrations.all, Migrations.all.dropFirst()) {
        #expect(Migrations.version(before: next.version) == previous.version)
        #expect(previous.version < next.version)
    }
}

@Test func latestVersionIsTheLastMigration() {
    #expect(Migrations.latestVersion == Migrations.all.last!.version)
}
