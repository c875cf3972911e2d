import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

extension StoreFixture {
    var skills: SkillRepository { SkillRepository(db) }
    var training: TrainingRepository { TrainingRepository(db) }

    func user(_ name: String) throws -> User { try users.require(.name(name)) }
    func skill(_ name: String) throws -> Skill { try skills.require(.name(name)) }

    /// Every row of the three tables, to show that a refusal wrote nothing.
    func skillTables() throws -> [[DatabaseValue]] {
        try ["skills", "user_skills", "training"].flatMap { table in
            try db.rows("SELECT * FROM \(table) ORDER BY rowid").map { [.text(table)] + $0.values }
        }
    }
}

@Suite struct SkillRepositoryTests {
    let f: StoreFixture

    init() throws {
        f = try StoreFixture()
        try f.insertUser("alice", email: "a@example.com")
        try f.insertUser("bob", email: "b@example.com")
    }

    @Test func addTrimsValidatesAndReportsExistingNames() throws {
        let added = try f.skills.add(["  empathy ", "small talk"], ifMissing: false)
        #expect(added.map(\.outcome) == [.added, .added])
        #expect(try f.db.rows("SELECT skill_name FROM skills ORDER BY id").map { try $0.string("skill_name") } == ["empathy", "small talk"])
        let before = try f.skillTables()
        #expect { try f.skills.add(["tact", "empathy", "small talk"], ifMissing: false) } throws: {
            ($0 as? SocializerError)?.message == "skills 'empathy', 'small talk' already exist"
                && ($0 as? SocializerError)?.reason == .skillExists
        }
        #expect { try f.skills.add(["tact", "tact"], ifMissing: false) } throws: {
            ($0 as? SocializerError)?.message == "skill 'tact' is named more than once"
        }
        for bad in ["", "   ", "a\u{7}b", "x\u{202E}y", String(repeating: "s", count: 256), "zero\u{200B}width", "soft\u{AD}hyphen",
                    "\u{FEFF}bom", "line\u{2028}break", "para\u{2029}graph", "joiner\u{2060}", "id:3", "name:tact"] {
            #expect(throws: SocializerError.self) { try f.skills.add(["fine", bad], ifMissing: true) }
        }
        #expect(try f.skillTables() == before, "a refusal writes nothing, not even the valid names before it")
        let again = try f.skills.add(["tact", "empathy", "tact"], ifMissing: true)
        #expect(again.map(\.outcome) == [.added, .exists, .exists])
        #expect(again[0].skill.id == again[2].skill.id)
    }

    /// Every problem of a list of names is reported at once, each name
    /// quoted (escaped), and nothing is added.
    @Test func addReportsEveryProblemTogether() throws {
        _ = try f.skills.add(["empathy", "active_listening"], ifMissing: false)
        let before = try f.skillTables()
        #expect { try f.skills.add(["empathy", "active_listening", "dupe", "dupe", "ok"], ifMissing: false) } throws: {
            let e = $0 as? SocializerError
            return e?.message == "2 problems with the names given; nothing was added" && e?.reason == .skillExists
                && e?.details == ["skills 'empathy', 'active_listening' already exist", "skill 'dupe' is named more than once"]
        }
        #expect { try f.skills.add(["ok1", "bad\tname", "", "empathy", "id:7"], ifMissing: true) } throws: {
            let e = $0 as? SocializerError
            return e?.message == "3 problems with the names given; nothing was added" && e?.reason == nil
                && e?.hint == "choose a name that does not start with id: or name:"
                && e?.details == ["the skill name 'bad\\tname' contains a control character (U+0009)", "the skill name '' is empty",
                                  "the skill name 'id:7' starts with 'id:', which names a skill by its id when referring to one"]
        }
        #expect { try f.skills.add(["ok1", "dupe", "dupe"], ifMissing: false) } throws: {
            let e = $0 as? SocializerError
            return e?.message == "skill 'dupe' is named more than once" && e?.reason == nil && e?.details == []
        }
        #expect(try f.skillTables() == before)
    }

    /// The app looks skills up by exact name: a case-only twin is a second
    /// skill, reported, also for letters beyond ASCII.
    @Test func caseTwinsAreSeparateSkillsAndReported() throws {
        _ = try f.skills.add(["Empathy", "Écoute"], ifMissing: false)
        let added = try f.skills.add(["empathy", "écoute", "EMPATHY"], ifMissing: false)
        #expect(added.map { $0.twins.map(\.name) } == [["Empathy"], ["Écoute"], ["Empathy", "empathy"]])
        #expect(added.allSatisfy { $0.twins.allSatisfy { $0.difference == .letterCase } })
        #expect(try f.skills.find(name: "empathy")?.name == "empathy")
        let renamed = try f.skills.rename(try f.skill("EMPATHY"), to: "eMPATHY")
        #expect(renamed.twins.map(\.name) == ["Empathy", "empathy"])
        #expect { try f.skills.rename(try f.skill("eMPATHY"), to: " Empathy ") } throws: {
            ($0 as? SocializerError)?.message == "skill 'Empathy' already exists (id 1)"
        }
    }

    /// Names are the same when their bytes are, as the database and the app
    /// compare them: é composed (U+00E9) and decomposed (e, U+0301) are two
    /// skills, which Swift's == alone would take for one.
    @Test func namesAreComparedByTheirBytes() throws {
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        #expect(composed == decomposed && NameRules.identity(composed) != NameRules.identity(decomposed))
        let added = try f.skills.add([composed, decomposed, "Cafe\u{301}"], ifMissing: false)
        #expect(added.map(\.outcome) == [.added, .added, .added])
        #expect(added[1].twins == [SkillTwin(name: composed, difference: .composition)])
        #expect(added[2].twins == [SkillTwin(name: composed, difference: .letterCase), SkillTwin(name: decomposed, difference: .letterCase)])
        #expect(try f.db.scalarInt("SELECT count(*) FROM skills") == 3)
        #expect(try f.skills.find(name: decomposed)?.id == 2)
        let again = try f.skills.add([decomposed, composed], ifMissing: true)
        #expect(again.map(\.outcome) == [.exists, .exists] && again.map(\.skill.id) == [2, 1])
        #expect { try f.skills.add([composed], ifMissing: false) } throws: {
            ($0 as? SocializerError)?.message == "skill '\(composed)' already exists"
        }
    }

    @Test func referencesResolveByIDOrExactName() throws {
        _ = try f.skills.add(["empathy", "42"], ifMissing: false)
        try f.db.execute("INSERT INTO skills (id, skill_name) VALUES (9, NULL)")
        #expect(try f.skills.require(EntityReference("1", kind: "skill")).name == "empathy")
        #expect(try f.skills.require(EntityReference("name:42", kind: "skill")).id == 2)
        #expect(try f.skills.require(EntityReference("9", kind: "skill")).name == nil)
        #expect(try f.skills.find(EntityReference("Empathy", kind: "skill")) == nil)
        #expect { try f.skills.require(EntityReference("42", kind: "skill")) } throws: {
            let error = $0 as? SocializerError
            return error?.code == .notFound && error?.message == "skill with id 42 not found"
                && error?.hint == "to look up a skill named 42, write name:42"
        }
    }

    @Test func setLevelUpsertsWithinTheRange() throws {
        _ = try f.skills.add(["empathy"], ifMissing: false)
        let alice = try f.user("alice"), empathy = try f.skill("empathy")
        let first = try f.skills.setLevel(userID: alice.id, skillID: empathy.id, level: 3)
        #expect(first.previous == nil)
        let second = try f.skills.setLevel(userID: alice.id, skillID: empathy.id, level: 10)
        #expect(second.id == first.id && second.previous == 3)
        #expect(try f.db.scalarInt("SELECT count(*) FROM user_skills") == 1)
        #expect(try f.db.scalar("SELECT level FROM user_skills") == .integer(10))
        for level: Int64 in [-1, 11] {
            #expect { try f.skills.setLevel(userID: alice.id, skillID: empathy.id, level: level) } throws: {
                ($0 as? SocializerError)?.message == "level \(level) is outside 0 to 10"
            }
        }
        #expect(try f.db.scalar("SELECT level FROM user_skills") == .integer(10))
    }

    @Test func levelsAreHighestFirstThenByName() throws {
        _ = try f.skills.add(["empathy"], ifMissing: false)
        try f.insertUser("carol", email: "c@example.com")
        let empathy = try f.skill("empathy")
        for (name, level) in [("alice", 4), ("bob", 9), ("carol", 4)] {
            _ = try f.skills.setLevel(userID: try f.user(name).id, skillID: empathy.id, level: Int64(level))
        }
        var all: [String] = []
        try f.skills.levels(skillID: empathy.id, minimum: nil) { all.append("\($0.username):\($0.level)") }
        #expect(all == ["bob:9", "alice:4", "carol:4"])
        var high: [String] = []
        try f.skills.levels(skillID: empathy.id, minimum: 5) { high.append($0.username) }
        #expect(high == ["bob"])
    }

    @Test func removeCascadesToLevelsTrainingAndTheAppsOwnTables() throws {
        _ = try f.skills.add(["empathy", "tact"], ifMissing: false)
        let alice = try f.user("alice"), bob = try f.user("bob")
        let empathy = try f.skill("empathy"), tact = try f.skill("tact")
        try f.db.execute("""
            CREATE TABLE training_schedules (id INTEGER NOT NULL, user_id INTEGER NOT NULL, skill_id INTEGER NOT NULL,
              scheduled_for DATETIME NOT NULL, frequency VARCHAR, is_active BOOLEAN NOT NULL, PRIMARY KEY (id),
              FOREIGN KEY(user_id) REFERENCES users (id), FOREIGN KEY(skill_id) REFERENCES skills (id))
            """)
        try f.db.execute("INSERT INTO training_schedules VALUES (1, ?, ?, '2026-06-20 09:00:00.000000', 'weekly', 1)", [alice.id, empathy.id])
        for user in [alice, bob] {
            _ = try f.skills.setLevel(userID: user.id, skillID: empathy.id, level: 5)
            _ = try f.training.start(user, empathy, notes: nil, today: "2026-06-15", restart: false)
        }
        _ = try f.training.start(alice, tact, notes: nil, today: "2026-06-15", restart: false)
        let counts = try f.db.transaction { try f.skills.removeCascading(empathy.id) }
        let deleted = Dictionary(uniqueKeysWithValues: counts.map { ($0.table, $0.deleted) })
        #expect(deleted == ["training_schedules": 1, "training": 2, "user_skills": 2, "skills": 1], "\(counts)")
        #expect(counts.allSatisfy { $0.detached == 0 } && counts.last?.table == "skills")
        #expect(try f.db.scalarInt("SELECT count(*) FROM training") == 1)
    }
}

/// The transitions `socializer-training(1)` documents, each change from
/// each status: allowed ones write what they should, refused ones name the
/// status and write nothing.
@Suite struct TrainingTransitionTests {
    static let changes: [TrainingChange] = [.pause, .resume, .progress(0.5), .progress(1.0), .complete, .reset]
    static let allowed: [String: Set<String>] = [
        "pause": ["active"], "resume": ["pending", "paused"], "progress(0.5)": ["active", "paused"], "progress(1.0)": ["active", "paused"],
        "complete": ["pending", "active", "paused"], "reset": ["pending", "active", "paused", "completed", "in_review"],
    ]

    static func name(_ change: TrainingChange) -> String {
        switch change {
        case .pause: "pause"
        case .resume: "resume"
        case .progress(let v): "progress(\(v))"
        case .complete: "complete"
        case .reset: "reset"
        }
    }

    @Test(arguments: changes)
    func eachChangeFromEachStatus(_ change: TrainingChange) throws {
        for status in ["pending", "active", "paused", "completed", "in_review"] {
            let f = try StoreFixture()
            try f.insertUser("alice", email: "a@example.com")
            _ = try f.skills.add(["empathy"], ifMissing: false)
            let alice = try f.user("alice"), empathy = try f.skill("empathy")
            let completedAt: String? = status == "completed" ? "2026-06-01" : nil
            try f.db.execute("INSERT INTO training VALUES (?, ?, ?, 0.25, '2026-05-01', ?, 'n')",
                             [alice.id, empathy.id, status, completedAt])
            let before = try f.skillTables()
            let context = "\(Self.name(change)) from \(status)"
            guard Self.allowed[Self.name(change)]!.contains(status) else {
                #expect { try f.training.apply(change, alice, empathy, today: "2026-06-15") } throws: { error in
                    let e = error as? SocializerError
                    guard e?.code == .invalidData else { return false }
                    if status == "in_review" {
                        return e?.message == "the training of user 'alice' in skill 'empathy' has the status 'in_review', which is none of "
                            + "pending, active, paused, completed; reset it or start it over first"
                    }
                    let since = status == "completed" ? " (on 2026-06-01)" : ""
                    return e?.message.hasPrefix("the training of user 'alice' in skill 'empathy' is \(status)\(since); only ") == true
                }
                #expect(try f.skillTables() == before, "\(context) wrote")
                continue
            }
            let after = try f.training.apply(change, alice, empathy, today: "2026-06-15")
            #expect(after.startedAt == "2026-05-01" && after.notes == "n", "\(context)")
            switch change {
            case .pause: #expect(after.status == "paused" && after.progress == 0.25)
            case .resume: #expect(after.status == "active" && after.progress == 0.25)
            case .progress(0.5): #expect(after.status == status && after.progress == 0.5 && after.completedAt == nil, "\(context)")
            case .progress: #expect(after.status == "completed" && after.progress == 1.0 && after.completedAt == "2026-06-15")
            case .complete: #expect(after.status == "completed" && after.progress == 1.0 && after.completedAt == "2026-06-15")
            case .reset: #expect(after.status == "pending" && after.progress == 0.0 && after.completedAt == nil, "\(context)")
            }
        }
    }

    @Test func theRefusalSaysWhichStatusesWouldDo() throws {
        #expect(TrainingChange.list([.active]) == "an active")
        #expect(TrainingChange.list([.paused]) == "a paused")
        #expect(TrainingChange.list([.active, .paused]) == "an active or paused")
        #expect(TrainingChange.list([.pending, .active, .paused]) == "a pending, active or paused")
    }

    @Test func pauseAndResumeWriteOnlyTheStatusAsTheAppDoes() throws {
        let f = try StoreFixture()
        try f.insertUser("alice", email: "a@example.com")
        _ = try f.skills.add(["empathy"], ifMissing: false)
        let alice = try f.user("alice"), empathy = try f.skill("empathy")
        _ = try f.training.start(alice, empathy, notes: "n", today: "2026-06-01", restart: false)
        let statements = try statementsRun(on: f.db) { _ = try f.training.apply(.pause, alice, empathy, today: "2026-06-15") }
        #expect(statements.contains("UPDATE training SET status = ? WHERE user_id = ? AND skill_id = ?"), "\(statements)")
    }

    @Test func startNeedsRestartForAnExistingRowAndKeepsNotesUnlessGiven() throws {
        let f = try StoreFixture()
        try f.insertUser("alice", email: "a@example.com")
        _ = try f.skills.add(["empathy"], ifMissing: false)
        let alice = try f.user("alice"), empathy = try f.skill("empathy")
        let started = try f.training.start(alice, empathy, notes: "weekly", today: "2026-06-01", restart: false)
        #expect(started.status == "active" && started.progress == 0.0 && started.startedAt == "2026-06-01" && started.notes == "weekly")
        _ = try f.training.apply(.complete, alice, empathy, today: "2026-06-10")
        let before = try f.skillTables()
        #expect { try f.training.start(alice, empathy, notes: nil, today: "2026-06-15", restart: false) } throws: {
            let e = $0 as? SocializerError
            return e?.reason == .trainingExists
                && e?.message == "user 'alice' already has a training in skill 'empathy' (completed, progress 1.0, started 2026-06-01)"
        }
        #expect(try f.skillTables() == before)
        let again = try f.training.start(alice, empathy, notes: nil, today: "2026-06-15", restart: true)
        #expect(again.status == "active" && again.progress == 0.0 && again.startedAt == "2026-06-15" && again.completedAt == nil)
        #expect(again.notes == "weekly")
        #expect(try f.training.start(alice, empathy, notes: "daily", today: "2026-06-15", restart: true).notes == "daily")
    }
}

/// The statements the skill and training repositories run use the indexes
/// of 0001 and 0003 (read off the trace hook, not copies of the SQL).
@Suite struct SkillQueryPlanTests {
    func plans(_ f: StoreFixture, _ body: () throws -> Void) throws -> [(sql: String, plan: String)] {
        try statementsRun(on: f.db, body).map { ($0, try queryPlan(f.db, $0)) }
    }

    func seeded() throws -> StoreFixture {
        let f = try StoreFixture()
        try f.insertUser("alice", email: "a@example.com")
        _ = try f.skills.add(["empathy"], ifMissing: false)
        return f
    }

    @Test func theIndexesThePlansRelyOnExist() throws {
        let f = try seeded()
        let indexes = Set(try f.db.rows("SELECT name FROM sqlite_master WHERE type = 'index'").map { try $0.string("name") })
        for index in ["ix_user_skills_skill_id", "ix_training_skill_id", "sqlite_autoindex_training_1",
                      "sqlite_autoindex_user_skills_1", "sqlite_autoindex_skills_1"] {
            #expect(indexes.contains(index), "\(index)")
        }
    }

    @Test func levelsSearchesTheSkillIndex() throws {
        let f = try seeded()
        let all = try plans(f) { try f.skills.levels(skillID: 1, minimum: 3) { _ in } }
        #expect(all.count == 1, "\(all.map(\.sql))")
        let plan = all.first?.plan ?? ""
        #expect(plan.contains("SEARCH us USING INDEX ix_user_skills_skill_id (skill_id=?)"), "\(plan)")
        #expect(plan.contains("SEARCH u USING INTEGER PRIMARY KEY (rowid=?)"), "\(plan)")
        // The order by level is a sort of one skill's rows: no index on (skill_id, level) exists.
        #expect(!plan.contains("SCAN"), "\(plan)")
    }

    @Test func listByUserOrSkillSearchesAnIndex() throws {
        let f = try seeded()
        var query = TrainingQuery()
        query.userID = 1
        let byUser = try plans(f) { try f.training.list(query) { _ in } }
        #expect(byUser.count == 1)
        let userPlan = byUser.first?.plan ?? ""
        #expect(userPlan.contains("SEARCH t USING INDEX sqlite_autoindex_training_1 (user_id=?)"), "\(userPlan)")
        #expect(userPlan.contains("SEARCH us USING INDEX sqlite_autoindex_user_skills_1 (user_id=? AND skill_id=?)"), "\(userPlan)")
        #expect(!userPlan.contains("SCAN"), "\(userPlan)")

        query = TrainingQuery()
        query.skillID = 1
        let bySkill = try plans(f) { try f.training.list(query) { _ in } }
        let skillPlan = bySkill.first?.plan ?? ""
        #expect(skillPlan.contains("SEARCH t USING INDEX ix_training_skill_id (skill_id=?)"), "\(skillPlan)")
        #expect(!skillPlan.contains("SCAN"), "\(skillPlan)")

        // users skills: the same training rows, then levels without training, all through indexes.
        let mine = try plans(f) { try f.skills.userSkills(of: 1) { _ in } }
        let minePlan = mine.first?.plan ?? ""
        #expect(minePlan.contains("SEARCH t USING INDEX sqlite_autoindex_training_1 (user_id=?)"), "\(minePlan)")
        #expect(minePlan.contains("SEARCH us USING INDEX sqlite_autoindex_user_skills_1 (user_id=?)"), "\(minePlan)")
        #expect(!minePlan.contains("SCAN t") && !minePlan.contains("SCAN us") && !minePlan.contains("SCAN s "), "\(minePlan)")
    }

    @Test func showAndTheWritesFindTheRowByItsKey() throws {
        let f = try seeded()
        let alice = try f.user("alice"), empathy = try f.skill("empathy")
        let all = try plans(f) {
            _ = try f.training.start(alice, empathy, notes: nil, today: "2026-06-15", restart: false)
            _ = try f.training.apply(.progress(0.5), alice, empathy, today: "2026-06-15")
            _ = try f.skills.setLevel(userID: alice.id, skillID: empathy.id, level: 3)
            _ = try f.training.stop(alice, empathy)
        }
        for (sql, plan) in all where !sql.hasPrefix("INSERT") {
            #expect(!plan.contains("SCAN"), "\(sql): \(plan)")
        }
    }

    /// With 0006's index a purge batch takes the oldest completions from
    /// it; without (a database not migrated that far) it walks the table in
    /// rowid order and stops at its LIMIT, with no sort (README, Performance).
    @Test func thePurgeBatchUsesTheIndexOrRowidOrderButNeverSorts() throws {
        let f = try seeded()
        var target = try f.training.purgeTarget(completedBefore: "2026-01-01")
        var plan = try queryPlan(f.db, "SELECT rowid FROM \(target.table) WHERE \(target.condition) ORDER BY \(target.orderBy) LIMIT 10")
        #expect(target.orderBy == "completed_at" && plan == "SEARCH training USING INDEX ix_training_completed_at (completed_at<?)", "\(plan)")
        try f.db.execute("DROP INDEX ix_training_completed_at")
        target = try f.training.purgeTarget(completedBefore: "2026-01-01")
        plan = try queryPlan(f.db, "SELECT rowid FROM \(target.table) WHERE \(target.condition) ORDER BY \(target.orderBy) LIMIT 10")
        #expect(target.orderBy == "rowid" && plan == "SCAN training", "\(plan)")
    }
}
