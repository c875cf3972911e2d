import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerStore

/// How the app reads skills, levels and training (SPEC §2: skills looked up
/// by exact name, levels upserted, training rows read per user). The app's
/// source is not in this repository: these are the statements its
/// SQLAlchemy models emit for `get_skills_for_user`,
/// `get_skilllevel_for_user` and `get_training_for_user`, and the checks
/// SQLAlchemy's SQLite dialect applies to each column type when it reads a
/// row: a DATE must be `YYYY-MM-DD` (2.0 parses it with
/// `date.fromisoformat`, which rejects any other form), a FLOAT must come
/// back as a number (text stays text and breaks arithmetic), an INTEGER as
/// an integer, and the status must be one of the strings the app compares with.
enum AppSkillReads {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func date(_ value: DatabaseValue, _ column: String) throws -> String {
        guard case .text(let text) = value, text.utf8.count == 10,
              let parsed = Timestamp.parse(text), parsed.dateText == text else {
            throw Failure(description: "\(column): \(value) is not a DATE the app can read")
        }
        return text
    }

    static func optionalDate(_ value: DatabaseValue, _ column: String) throws -> String? {
        value == .null ? nil : try date(value, column)
    }

    static func float(_ value: DatabaseValue, _ column: String) throws -> Double {
        switch value {
        case .real(let d): return d
        case .integer(let i): return Double(i)
        default: throw Failure(description: "\(column): \(value) is not a FLOAT")
        }
    }

    static func integer(_ value: DatabaseValue, _ column: String) throws -> Int64 {
        guard case .integer(let i) = value else { throw Failure(description: "\(column): \(value) is not an INTEGER") }
        return i
    }

    /// `get_skills_for_user`: the skills the user has a level in.
    static func skillsForUser(_ db: Connection, _ userID: Int64) throws -> [String] {
        try db.rows("""
            SELECT skills.id, skills.skill_name FROM skills JOIN user_skills ON skills.id = user_skills.skill_id
            WHERE user_skills.user_id = ? ORDER BY skills.id
            """, [userID]).map { try $0.string("skill_name") }
    }

    /// `get_skilllevel_for_user`: the level, the skill found by its exact name.
    static func skillLevelForUser(_ db: Connection, _ userID: Int64, _ skillName: String) throws -> Int64? {
        guard let row = try db.firstRow("""
            SELECT user_skills.level FROM user_skills JOIN skills ON skills.id = user_skills.skill_id
            WHERE user_skills.user_id = ? AND skills.skill_name = ?
            """, [userID, skillName]) else { return nil }
        return try integer(try row.value("level"), "user_skills.level")
    }

    struct TrainingRow: Equatable {
        var skillID: Int64
        var status: String
        var progress: Double
        var startedAt: String
        var completedAt: String?
        var notes: String?
    }

    /// `get_training_for_user`: every training row of the user, typed as the app's model.
    static func trainingForUser(_ db: Connection, _ userID: Int64) throws -> [TrainingRow] {
        try db.rows("""
            SELECT training.user_id, training.skill_id, training.status, training.progress, training.started_at,
              training.completed_at, training.notes FROM training WHERE training.user_id = ? ORDER BY training.skill_id
            """, [userID]).map { row in
            let status = try row.string("status")
            guard TrainingStatus(rawValue: status) != nil else { throw Failure(description: "status '\(status)' is not one the app uses") }
            return TrainingRow(skillID: try integer(try row.value("skill_id"), "training.skill_id"), status: status,
                               progress: try float(try row.value("progress"), "training.progress"),
                               startedAt: try date(try row.value("started_at"), "training.started_at"),
                               completedAt: try optionalDate(try row.value("completed_at"), "training.completed_at"),
                               notes: try row.optionalString("notes"))
        }
    }
}

@Suite struct SkillsAppTruthTests {
    /// Issue 11, item 5: what the tool writes, the app reads, on a database
    /// the tool migrated and on one the app created (no SQL defaults there).
    @Test(arguments: [false, true])
    func theAppReadsEveryRowTheToolWrote(legacy: Bool) throws {
        let f = try appDatabase(legacy: legacy)
        let db = try f.connection()
        try AppRows.insertUser(db, "ada", email: "ada@example.com")
        try AppRows.insertUser(db, "ben", email: "ben@example.com")
        let ada = try AppRows.id(db, "ada"), ben = try AppRows.id(db, "ben")
        f.setUp([["skills", "add", " empathy ", "active_listening", "tact"],
                 ["skills", "set-level", "ada", "empathy", "7"], ["skills", "set-level", "ada", "active_listening", "0"],
                 ["skills", "set-level", "ada", "empathy", "8"], ["skills", "set-level", "ben", "small talk", "10", "--create"],
                 ["skills", "rename", "tact", "diplomacy"],
                 ["training", "start", "ada", "empathy", "--notes", "weekly"], ["training", "progress", "ada", "empathy", "0.35"],
                 ["training", "start", "ada", "active_listening"], ["training", "progress", "ada", "active_listening", "1"],
                 ["training", "start", "ada", "diplomacy"], ["training", "pause", "ada", "diplomacy"],
                 ["training", "start", "ben", "small talk"], ["training", "reset", "ben", "small talk"]])
        let skillID = { (name: String) in try db.scalarInt("SELECT id FROM skills WHERE skill_name = ?", [name]) }

        #expect(try AppSkillReads.skillsForUser(db, ada) == ["empathy", "active_listening"])
        #expect(try AppSkillReads.skillsForUser(db, ben) == ["small talk"])
        #expect(try AppSkillReads.skillLevelForUser(db, ada, "empathy") == 8)
        #expect(try AppSkillReads.skillLevelForUser(db, ada, "active_listening") == 0)
        #expect(try AppSkillReads.skillLevelForUser(db, ben, "small talk") == 10)
        #expect(try AppSkillReads.skillLevelForUser(db, ada, "Empathy") == nil, "exact names, as the app looks them up")
        #expect(try AppSkillReads.trainingForUser(db, ada) == [
            .init(skillID: try skillID("empathy"), status: "active", progress: 0.35, startedAt: "2026-06-15", completedAt: nil, notes: "weekly"),
            .init(skillID: try skillID("active_listening"), status: "completed", progress: 1.0, startedAt: "2026-06-15",
                  completedAt: "2026-06-15", notes: nil),
            .init(skillID: try skillID("diplomacy"), status: "paused", progress: 0.0, startedAt: "2026-06-15", completedAt: nil, notes: nil),
        ])
        #expect(try AppSkillReads.trainingForUser(db, ben) == [
            .init(skillID: try skillID("small talk"), status: "pending", progress: 0.0, startedAt: "2026-06-15", completedAt: nil, notes: nil),
        ])
        // Stored types, byte for byte: REAL progress (0.0 too), INTEGER levels, text dates.
        #expect(try db.scalarInt("SELECT count(*) FROM training WHERE typeof(progress) <> 'real'") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM user_skills WHERE typeof(level) <> 'integer'") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM training WHERE started_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'") == 0)
        #expect(try db.rows("PRAGMA foreign_key_check").isEmpty)
    }

    /// And the other way: rows as the app writes them (created pending with
    /// its server's local date; its status update touching only `status`,
    /// so a training it completed has no completed_at) are read by every
    /// verb, and the purge leaves undated completions alone.
    @Test(arguments: [false, true])
    func everyVerbReadsTheRowsTheAppWrote(legacy: Bool) throws {
        let f = try appDatabase(legacy: legacy)
        let db = try f.connection()
        try AppRows.insertUser(db, "ada", email: "ada@example.com")
        let ada = try AppRows.id(db, "ada")
        try db.execute("INSERT INTO skills (skill_name) VALUES ('empathy'), ('tact'), ('patience')")
        try db.execute("INSERT INTO user_skills (user_id, skill_id, level) VALUES (?, 1, 4)", [ada])
        // A local date a day ahead of UTC, and Python's float 0.0.
        try db.execute("""
            INSERT INTO training (user_id, skill_id, status, progress, started_at, completed_at, notes)
            VALUES (?, 1, 'pending', 0.0, '2026-06-16', NULL, NULL), (?, 2, 'pending', 0.0, '2026-05-01', NULL, NULL),
                   (?, 3, 'pending', 0.0, '2026-04-01', NULL, NULL)
            """, [ada, ada, ada])
        try db.execute("UPDATE training SET status = 'completed' WHERE user_id = ? AND skill_id = 2", [ada])
        try db.execute("UPDATE training SET status = 'active' WHERE user_id = ? AND skill_id = 3", [ada])

        #expect(f.csv(["--fields", "skill,status,progress,level,started_at,completed_at", "training", "list", "--user", "ada"]) == """
            skill,status,progress,level,started_at,completed_at\r
            empathy,pending,0.0,4,2026-06-16,\r
            patience,active,0.0,,2026-04-01,\r
            tact,completed,0.0,,2026-05-01,\r

            """)
        #expect(f.csv(["--fields", "skill,training", "users", "skills", "ada"]) == "skill,training\r\nempathy,pending\r\npatience,active\r\ntact,completed\r\n")
        #expect(f.csv(["--fields", "user,skill", "training", "list", "--stalled-for", "30d"]) == "user,skill\r\nada,patience\r\n")
        let purge = f.cli(["-q", "--yes", "training", "purge", "--completed-before", "2100-01-01"])
        #expect(purge.status == 0 && purge.stdout == "0\n", "an undated completion is never purged by date")
        // The app created it pending: starting it needs --restart (SPEC §5), which keeps nothing of the old row but notes.
        let start = f.cli(["training", "start", "ada", "empathy"])
        #expect(start.status == 65 && start.stderr.contains("already has a training in skill 'empathy' (pending, progress 0.0, started 2026-06-16)"))
        // Or resuming it, which keeps its (local) start date: the app's pending trainings have another way out.
        #expect(f.csv(["--fields", "status,started_at", "training", "resume", "ada", "empathy"]) == "status,started_at\r\nactive,2026-06-16\r\n")
        #expect(f.cli(["training", "start", "ada", "empathy", "--restart"]).status == 0)
        #expect(f.cli(["training", "pause", "ada", "patience"]).status == 0)
        #expect(f.cli(["training", "complete", "ada", "patience"]).status == 0)
        #expect(try AppSkillReads.trainingForUser(db, ada).map(\.status) == ["active", "completed", "completed"])
        #expect(f.cli(["--yes", "skills", "remove", "tact"]).status == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM training") == 2)
    }

    /// The app writes a status outside the domain now and then (SPEC §2:
    /// domains are not CHECK constraints): every verb reads the row, and
    /// only reset, restart and stop act on it.
    @Test func aStatusOutsideTheDomainIsReadAndCanBeReset() throws {
        let f = UsersFixture()
        let db = try f.connection()
        try AppRows.insertUser(db, "ada", email: "ada@example.com")
        try db.execute("INSERT INTO skills (skill_name) VALUES ('empathy')")
        try db.execute("INSERT INTO training VALUES (1, 1, 'in_review', 0.5, '2026-05-01', NULL, NULL)")
        #expect(f.csv(["--fields", "status,progress", "training", "show", "ada", "empathy"]) == "status,progress\r\nin_review,0.5\r\n")
        try f.refuses(["training", "complete", "ada", "empathy"], 65, "socializer: error: the training of user 'ada' in skill 'empathy' "
                      + "has the status 'in_review', which is none of pending, active, paused, completed; reset it or start it over first\n")
        #expect(f.csv(["--fields", "status", "training", "reset", "ada", "empathy"]) == "status\r\npending\r\n")
    }
}
