import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerStore

/// The engine seam behind the audit trail's `rows` (`countingChanges`) and
/// the repository of `admin_audit` (migration 0005).
@Suite struct ChangeCountingTests {
    @Test func everyRowIsCountedPerTableCascadesIncludedTempTablesNot() throws {
        let f = try StoreFixture()
        let alice = try f.insertUser("alice", email: "alice@example.com")
        let bob = try f.insertUser("bob", email: "bob@example.com")
        try f.db.execute("INSERT INTO user_preferences (user_id, preference_type, preference_key, preference_value) VALUES (?, 't', 'a', '1'), (?, 't', 'b', '2'), (?, 't', 'a', '3')",
                         [alice, alice, bob])
        try f.db.execute("CREATE TEMP TABLE scratch (x)")
        let (_, changes) = try f.db.countingChanges {
            try f.db.execute("INSERT INTO temp.scratch VALUES (1)")
            try f.db.execute("UPDATE users SET role = 'admin' WHERE id = ?", [bob])
            // 0002's ON DELETE CASCADE removes alice's two preferences: SQLite reports them too.
            try f.db.execute("DELETE FROM users WHERE id = ?", [alice])
        }
        #expect(changes.tables.map(\.table) == ["users", "user_preferences"])
        #expect(changes.changes(of: "users") == .init(table: "users", updated: 1, deleted: 1, sampleRowIDs: [bob, alice]))
        #expect(changes.changes(of: "user_preferences")?.deleted == 2)
        #expect(changes.changes(of: "scratch") == nil)
        #expect(AuditRepository.rowsJSON(changes).compactText == #"{"users":{"updated":1,"deleted":1},"user_preferences":{"deleted":2}}"#)
        // Outside the body nothing is counted any more (the hook is gone).
        let (_, none) = f.db.countingChanges {}
        try f.db.execute("DELETE FROM user_preferences")
        #expect(none.isEmpty && none.tables.isEmpty)
    }

    @Test func aBulkLoadKeepsOnlyASampleOfIds() throws {
        let f = try StoreFixture()
        let (_, changes) = try f.db.countingChanges {
            for i in 0..<500 { try f.db.execute("INSERT INTO skills (skill_name) VALUES (?)", ["s\(i)"]) }
        }
        #expect(changes.changes(of: "skills")?.inserted == 500)
        #expect(changes.changes(of: "skills")?.sampleRowIDs == Array(1...Int64(ChangeSet.sampleSize)))
        var sum = changes
        sum.add(changes)
        #expect(sum.changes(of: "skills")?.inserted == 1000 && sum.changes(of: "skills")?.sampleRowIDs.count == ChangeSet.sampleSize)
    }

    @Test func aRolledBackChangeIsStillWhatTheBodyDidAndAnErrorPassesThrough() throws {
        let f = try StoreFixture()
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            _ = try f.db.countingChanges { () throws -> Void in
                try f.db.execute("INSERT INTO skills (skill_name) VALUES ('x')")
                throw Stop()
            }
        }
        // The hook was removed on the way out.
        let (_, after) = try f.db.countingChanges { try f.db.execute("INSERT INTO skills (skill_name) VALUES ('y')") }
        #expect(after.changes(of: "skills")?.inserted == 1)
    }
}

@Suite struct AuditRepositoryTests {
    @Test func theTargetIsTheRowOfTheReportedIdAndItsParentWhenSeveralTablesHaveIt() throws {
        let f = try StoreFixture()
        let repository = AuditRepository(f.db)
        let alice = try f.insertUser("alice", email: "alice@example.com")
        // A preference whose id is alice's id too: deleting alice deletes both rows with that id.
        try f.db.execute("INSERT INTO user_preferences (id, user_id, preference_type, preference_key, preference_value) VALUES (?, ?, 't', 'k', '1')",
                         [alice, alice])
        let (_, created) = try f.db.countingChanges { try f.db.execute("INSERT INTO skills (skill_name) VALUES ('empathy')") }
        #expect(try repository.target(ofIDs: [1], in: created) == AuditTarget(table: "skills", id: 1, name: "empathy"))
        #expect(try repository.target(ofIDs: [1], in: created)?.text == "skills:1 (empathy)")
        let (_, deleted) = try f.db.countingChanges {
            try f.db.execute("DELETE FROM user_preferences WHERE user_id = ?", [alice])
            try f.db.execute("DELETE FROM users WHERE id = ?", [alice])
        }
        // users is the parent of user_preferences; its row is gone, so it has no name any more.
        #expect(try repository.target(ofIDs: [alice], in: deleted) == AuditTarget(table: "users", id: alice))
        #expect(try repository.target(ofIDs: [alice, 7], in: deleted) == AuditTarget(table: "users"))
        // No ids: the one table changed; none or several: nothing to name.
        #expect(try repository.target(ofIDs: [], in: created) == AuditTarget(table: "skills"))
        #expect(try repository.target(ofIDs: [], in: deleted) == nil)
        #expect(try repository.target(ofIDs: [99], in: created) == nil)
        #expect(AuditTarget(table: "users", id: 3, name: "evil\u{1B}[31m").text == "users:3 (evil\\e[31m)")
    }

    @Test func listFiltersNewestFirstThroughTheIndex() throws {
        let f = try StoreFixture()
        let repository = AuditRepository(f.db)
        #expect(try repository.isAvailable())
        let entries: [(Int64, String, String, String?)] = [
            (1, "ops", "users delete", "users:12 (alice)"), (2, "ops", "users prefs set", "user_preferences:3"),
            (3, "cron", "tokens purge", "token_blacklist"), (4, "ann", "users update", "users:120 (alicia)"),
            (5, "ann", "users_x", "users:1 (bob)"),
        ]
        for (hour, actor, command, target) in entries {
            _ = try f.db.execute(AuditRepository.insertSQL, [testNow.adding(seconds: hour * 3600).databaseText, actor, command, target, "{}", "{}"])
        }
        func ids(_ change: (inout AuditQuery) -> Void) throws -> [Int64] {
            var query = AuditQuery()
            change(&query)
            var found: [Int64] = []
            try repository.list(query) { found.append($0.id) }
            return found
        }
        #expect(try ids { _ in } == [5, 4, 3, 2, 1])
        #expect(try ids { $0.actor = "ops" } == [2, 1])
        #expect(try ids { $0.command = "users" } == [4, 2, 1])
        #expect(try ids { $0.command = "users prefs" } == [2])
        #expect(try ids { $0.command = "users prefs set" } == [2])
        #expect(try ids { $0.target = "users" } == [5, 4, 1])
        #expect(try ids { $0.target = "users:12" } == [1])
        #expect(try ids { $0.target = "alice" } == [1])
        #expect(try ids { $0.target = "token_blacklist" } == [3])
        #expect(try ids { $0.target = "users:1_" } == [])
        #expect(try ids { $0.since = testNow.adding(seconds: 2 * 3600); $0.until = testNow.adding(seconds: 4 * 3600) } == [3, 2])
        #expect(try ids { $0.limit = 2 } == [5, 4])
        #expect(try repository.require(id: 3).command == "tokens purge")
        #expect(throws: SocializerError.self) { try repository.require(id: 99) }
        let plan = try queryPlan(f.db, "SELECT id FROM admin_audit WHERE actor = ? ORDER BY at DESC, id DESC LIMIT 10")
        #expect(plan.contains("USING INDEX ix_admin_audit_at") && !plan.contains("TEMP B-TREE"), "\(plan)")
        let purge = AuditRepository.purgeTarget(before: testNow)
        #expect(try queryPlan(f.db, purge.deleteSQL).contains("ix_admin_audit_at"))
    }

    @Test func aDatabaseBefore0005HasNoTrail() throws {
        let folder = TemporaryDirectory()
        let db = try Connection(path: folder.file("old.db"), mode: .createIfMissing)
        _ = try Migrator(connection: db, clock: FixedClock(testNow)).up(to: 4)
        #expect(try !AuditRepository(db).isAvailable())
        #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'admin_audit'") == 0)
        _ = try Migrator(connection: db, clock: FixedClock(testNow)).up()
        #expect(try AuditRepository(db).isAvailable())
        _ = try Migrator(connection: db, clock: FixedClock(testNow)).down(to: 4)
        #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name LIKE '%admin_audit%'") == 0)
    }
}
