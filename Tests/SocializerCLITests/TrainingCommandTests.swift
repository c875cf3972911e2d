import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerStore

@Suite struct TrainingCommandTests {
    let f = UsersFixture()

    init() {
        f.create("alice")
        f.create("bob")
        f.setUp([["skills", "add", "empathy", "tact"], ["skills", "set-level", "alice", "empathy", "6"]])
    }

    func row(_ user: Int64, _ skill: Int64) throws -> Row? {
        try f.connection().firstRow("""
            SELECT status, typeof(progress) AS progress_type, progress, started_at, completed_at, notes
            FROM training WHERE user_id = ? AND skill_id = ?
            """, [user, skill])
    }

    @Test func startWritesAnActiveRowStartedToday() throws {
        let result = f.cli(["training", "start", "alice", "empathy", "--notes", "weekly, Tuesdays"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            user_id:      1
            user:         alice
            skill_id:     1
            skill:        empathy
            status:       active
            progress:     0.0
            level:        6
            started_at:   2026-06-15
            completed_at:
            notes:        weekly, Tuesdays

            """)
        let stored = try #require(try row(1, 1))
        #expect(stored["status"] == .text("active") && stored["progress_type"] == .text("real") && stored["progress"] == .real(0))
        #expect(stored["started_at"] == .text("2026-06-15") && stored["completed_at"] == .null)
        #expect(stored["notes"] == .text("weekly, Tuesdays"))
        // -q: the user's id (training rows have none of their own).
        #expect(f.cli(["-q", "training", "start", "bob", "tact"]).stdout == "2\n")
    }

    @Test func aSecondStartNeedsRestart() throws {
        f.setUp([["training", "start", "alice", "empathy", "--notes", "first"], ["training", "progress", "alice", "empathy", "0.4"]])
        try f.refuses(["training", "start", "alice", "empathy"], 65, """
            socializer: error: user 'alice' already has a training in skill 'empathy' (active, progress 0.4, started 2026-06-15)
            hint: to start it over (active, progress 0.0, started today), pass --restart

            """)
        try f.connection().execute("UPDATE training SET started_at = '2026-01-02', status = 'completed', progress = 1.0, completed_at = '2026-03-01'")
        let restarted = f.cli(["--format", "csv", "training", "start", "alice", "empathy", "--restart"])
        #expect(restarted.status == 0)
        #expect(restarted.stdout.hasSuffix("\r\n1,alice,1,empathy,active,0.0,6,2026-06-15,,first\r\n"), "\(restarted.stdout)")
        #expect(f.csv(["--fields", "notes", "training", "start", "alice", "empathy", "--restart", "--notes", "second"]) == "notes\r\nsecond\r\n")
    }

    @Test func theTransitionsOfTheManPage() throws {
        f.setUp([["training", "start", "alice", "empathy"]])
        let fields = ["--format", "csv", "--no-header", "--fields", "status,progress,completed_at"]
        func state(_ line: [String]) -> String {
            let result = f.cli(fields + line)
            #expect(result.status == 0, "\(line): \(result.stderr)")
            return result.stdout
        }
        #expect(state(["training", "pause", "alice", "empathy"]) == "paused,0.0,\r\n")
        try f.refuses(["training", "pause", "alice", "empathy"], 65,
                      "socializer: error: the training of user 'alice' in skill 'empathy' is paused; only an active training can be paused\n")
        #expect(state(["training", "progress", "alice", "empathy", "0.3"]) == "paused,0.3,\r\n")
        #expect(state(["training", "resume", "alice", "empathy"]) == "active,0.3,\r\n")
        try f.refuses(["training", "resume", "alice", "empathy"], 65,
                      "socializer: error: the training of user 'alice' in skill 'empathy' is active; only a pending or paused training can be resumed\n")
        #expect(state(["training", "progress", "alice", "empathy", "0.2"]) == "active,0.2,\r\n")
        #expect(state(["training", "progress", "alice", "empathy", "1"]) == "completed,1.0,2026-06-15\r\n")
        try f.refuses(["training", "pause", "alice", "empathy"], 65, "socializer: error: the training of user 'alice' in skill 'empathy' "
                      + "is completed (on 2026-06-15); only an active training can be paused\n")
        try f.refuses(["training", "progress", "alice", "empathy", "0.5"], 65, "socializer: error: the training of user 'alice' in skill "
                      + "'empathy' is completed (on 2026-06-15); only an active or paused training can be given progress\n")
        try f.refuses(["training", "complete", "alice", "empathy"], 65, "socializer: error: the training of user 'alice' in skill "
                      + "'empathy' is completed (on 2026-06-15); only a pending, active or paused training can be completed\n")
        #expect(state(["training", "reset", "alice", "empathy"]) == "pending,0.0,\r\n")
        try f.refuses(["training", "pause", "alice", "empathy"], 65,
                      "socializer: error: the training of user 'alice' in skill 'empathy' is pending; only an active training can be paused\n")
        // A pending training (reset, or as the app creates it) resumes, keeping its progress and start date.
        try f.connection().execute("UPDATE training SET progress = 0.25, started_at = '2026-06-01'")
        #expect(state(["training", "resume", "alice", "empathy"]) == "active,0.25,\r\n")
        #expect(try row(1, 1)?["started_at"] == .text("2026-06-01"))
        #expect(state(["training", "complete", "alice", "empathy"]) == "completed,1.0,2026-06-15\r\n")
        let stored = try #require(try row(1, 1))
        #expect(stored["progress_type"] == .text("real") && stored["started_at"] == .text("2026-06-01"))
    }

    @Test func progressOutsideZeroToOneIsUsage() throws {
        f.setUp([["training", "start", "alice", "empathy"]])
        for value in ["1.5", "-0.1", "nan", "inf", "x"] {
            try f.refuses(["training", "progress", "alice", "empathy", value], 64, """
                socializer: error: invalid value '\(value)' for VALUE
                hint: expected a number from 0.0 to 1.0
                usage: socializer training progress USER SKILL VALUE

                """)
        }
    }

    @Test func stopDeletesTheRowAndShowsItAsItWas() throws {
        f.setUp([["training", "start", "alice", "empathy"]])
        let db = try f.connection()
        let before = try contents(db)
        let dry = f.cli(["-n", "--format", "csv", "--fields", "user,skill,status", "training", "stop", "alice", "empathy"])
        #expect(dry.status == 0 && dry.stdout == "user,skill,status\r\nalice,empathy,active\r\n")
        #expect(dry.stderr == "socializer: dry run: the training of user 'alice' in skill 'empathy' would be deleted; nothing was changed\n")
        #expect(try contents(db) == before)
        let stopped = f.cli(["--format", "csv", "--fields", "user,skill,status", "training", "stop", "alice", "empathy"])
        #expect(stopped.stdout == dry.stdout && stopped.stderr == "socializer: the training of user 'alice' in skill 'empathy' deleted\n")
        #expect(try db.scalarInt("SELECT count(*) FROM training") == 0)
        try f.refuses(["training", "stop", "alice", "empathy"], 66, "socializer: error: user 'alice' has no training in skill 'empathy'\n")
        try f.refuses(["training", "show", "alice", "empathy"], 66, "socializer: error: user 'alice' has no training in skill 'empathy'\n")
    }

    /// Unknown user or skill: 66 naming which (the user first), nothing written.
    @Test(arguments: [["start"], ["pause"], ["resume"], ["progress", "0.5"], ["complete"], ["reset"], ["stop"], ["show"]])
    func anUnknownUserOrSkillIsNamed(_ verb: [String]) throws {
        f.setUp([["training", "start", "alice", "empathy"]])
        let extra = Array(verb.dropFirst())
        try f.refuses(["training", verb[0], "nobody", "empathy"] + extra, 66, "socializer: error: user 'nobody' not found\n")
        try f.refuses(["training", verb[0], "alice", "kindness"] + extra, 66, "socializer: error: skill 'kindness' not found\n")
        try f.refuses(["training", verb[0], "nobody", "kindness"] + extra, 66, "socializer: error: user 'nobody' not found\n")
        try f.refuses(["training", verb[0], "alice", "7"] + extra, 66, """
            socializer: error: skill with id 7 not found
            hint: to look up a skill named 7, write name:7

            """)
        if verb[0] != "start" {
            try f.refuses(["training", verb[0], "bob", "empathy"] + extra, 66,
                          "socializer: error: user 'bob' has no training in skill 'empathy'\n")
        }
    }

    @Test func listFiltersByUserSkillStatusAndStall() throws {
        f.create("carol")
        f.setUp([["training", "start", "alice", "empathy"], ["training", "start", "alice", "tact"],
                 ["training", "start", "bob", "empathy"], ["training", "pause", "bob", "empathy"],
                 ["training", "start", "carol", "tact"]])
        let db = try f.connection()
        try db.execute("UPDATE training SET started_at = '2026-05-01' WHERE user_id = 1 AND skill_id = 1")
        try db.execute("UPDATE training SET started_at = '2026-06-01' WHERE user_id = 3")
        try db.execute("UPDATE training SET started_at = '2026-04-01' WHERE user_id = 2")
        let fields = ["--fields", "user,skill,status,started_at"]
        #expect(f.csv(fields + ["training", "list"]) == """
            user,skill,status,started_at\r
            alice,empathy,active,2026-05-01\r
            alice,tact,active,2026-06-15\r
            bob,empathy,paused,2026-04-01\r
            carol,tact,active,2026-06-01\r

            """)
        #expect(f.csv(fields + ["training", "list", "--user", "alice"]).split(separator: "\r\n").count == 3)
        #expect(f.csv(fields + ["training", "list", "--skill", "empathy", "--status", "paused"])
                == "user,skill,status,started_at\r\nbob,empathy,paused,2026-04-01\r\n")
        // Stalled for 14 days on 2026-06-15: active and started on or before 2026-06-01; paused bob is not stuck, he is paused.
        #expect(f.csv(fields + ["training", "list", "--stalled-for", "14d"])
                == "user,skill,status,started_at\r\nalice,empathy,active,2026-05-01\r\ncarol,tact,active,2026-06-01\r\n")
        #expect(f.csv(fields + ["training", "list", "--stalled-for", "15d", "--skill", "tact"]) == "user,skill,status,started_at\r\n")
        #expect(f.csv(fields + ["training", "list", "--limit", "1"]) == "user,skill,status,started_at\r\nalice,empathy,active,2026-05-01\r\n")
        #expect(f.csv(fields + ["training", "list", "--stalled-for", "24h", "--skill", "tact"])
                == "user,skill,status,started_at\r\ncarol,tact,active,2026-06-01\r\n", "24h is a whole day")
        // started_at is a date: a span that is not whole days (or none) cannot be compared with it.
        for span in ["30s", "1h", "36h", "0d", "0w"] {
            try f.refuses(["training", "list", "--stalled-for", span], 64, """
                socializer: error: invalid value '\(span)' for --stalled-for
                hint: expected a whole number of days, at least 1, followed by d (or w for weeks: 14d, 2w): the dates compared have no time of day
                usage: socializer training list [options]

                """)
        }
        let both = f.cli(["training", "list", "--status", "active", "--stalled-for", "2w"])
        #expect(both.status == 64 && both.stderr.hasPrefix("socializer: error: --status and --stalled-for cannot be used together\n"))
        let badStatus = f.cli(["training", "list", "--status", "done"])
        #expect(badStatus.status == 64 && badStatus.stderr.contains("expected one of pending, active, paused, completed"))
        let nobody = f.cli(["training", "list", "--user", "nobody"])
        #expect(nobody.status == 66 && nobody.stderr == "socializer: error: user 'nobody' not found\n")
        let noSkill = f.cli(["training", "list", "--skill", "nope"])
        #expect(noSkill.status == 66 && noSkill.stderr == "socializer: error: skill 'nope' not found\n")
    }

    /// Issue 11, item 4: `users skills USER`, the design document's "Get
    /// User's Training Progress" query (verbatim, from the copy in
    /// Tests/Fixtures/seed) and `training list --user` give the same rows.
    @Test func usersSkillsTheDesignQueryAndListAgree() throws {
        f.setUp([["skills", "add", "listening", "patience"], ["skills", "set-level", "alice", "tact", "2"],
                 ["skills", "set-level", "alice", "patience", "9"],
                 ["training", "start", "alice", "empathy"], ["training", "progress", "alice", "empathy", "0.25"],
                 ["training", "start", "alice", "tact"], ["training", "complete", "alice", "tact"],
                 ["training", "start", "alice", "listening"], ["training", "pause", "alice", "listening"],
                 ["training", "start", "bob", "empathy"]])
        let document = try String(contentsOfFile: fixturesFolder() + "/seed/DATABASE_DIAGRAM.md", encoding: .utf8)
        let section = try #require(document.range(of: "### Get User's Training Progress\n```sql\n"))
        let end = try #require(document[section.upperBound...].range(of: "```"))
        let query = String(document[section.upperBound..<end.lowerBound]).trimmedSpaces
        #expect(query.hasSuffix("WHERE u.id = 1;"), "\(query)")
        // Each value as the CSV output writes it.
        func text(_ value: DatabaseValue?) -> String {
            switch value {
            case .text(let s)?: return s
            case .integer(let i)?: return String(i)
            case .real(let d)?: return JSONValue.format(d)
            default: return ""
            }
        }
        let design = try f.connection().rows(String(query.dropLast())).map { row in
            [row["username"], row["skill_name"], row["progress"], row["status"], row["current_level"]].map(text)
        }
        let sorted = design.sorted { $0[1] < $1[1] }
        #expect(sorted.count == 3)

        let list = f.csv(["--no-header", "--fields", "user,skill,progress,status,level", "training", "list", "--user", "alice"])
        let listed = list.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(listed == sorted, "\(listed) vs \(sorted)")

        let mine = f.csv(["--no-header", "--fields", "skill,progress,training,level", "users", "skills", "alice"])
        let rows = mine.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let withTraining = rows.filter { !$0[2].isEmpty }
        #expect(withTraining == sorted.map { [$0[1], $0[2], $0[3], $0[4]] }, "\(withTraining)")
        // Beside them, the level without a training.
        #expect(rows.filter { $0[2].isEmpty } == [["patience", "", "", "9"]])
    }

    @Test func purgeDeletesWhatWasCompletedBeforeTheDateOnly() throws {
        f.create("carol")
        f.setUp([["training", "start", "alice", "empathy"], ["training", "start", "alice", "tact"],
                 ["training", "start", "bob", "empathy"], ["training", "start", "carol", "empathy"]])
        let db = try f.connection()
        try db.execute("UPDATE training SET status = 'completed', progress = 1.0, completed_at = '2025-01-30' WHERE user_id = 1 AND skill_id = 1")
        try db.execute("UPDATE training SET status = 'completed', progress = 1.0, completed_at = '2025-01-31' WHERE user_id = 1 AND skill_id = 2")
        // What the app's status update leaves: completed, no completed_at.
        try db.execute("UPDATE training SET status = 'completed' WHERE user_id = 2")
        // Reset after completing: not completed any more, whatever the old date said.
        try db.execute("UPDATE training SET status = 'pending', completed_at = '2025-01-01' WHERE user_id = 3")
        let before = try contents(db)
        let dry = f.cli(["--dry-run", "training", "purge", "--completed-before", "2025-01-31T18:00:00Z"])
        #expect(dry.status == 0 && dry.stdout == "would purge 1 row(s) from training (dry run: nothing was deleted)\n", "\(dry.stderr)")
        #expect(try contents(db) == before)
        let purged = f.cli(["--json", "training", "purge", "--completed-before", "2025-01-31"])
        #expect(purged.status == 0, "\(purged.stderr)")
        let report = try JSONParser.parse(purged.stdout)
        #expect(report["table"] == .string("training") && report["rows_deleted"] == .integer(1) && report["complete"] == .bool(true))
        let left = try db.rows("SELECT user_id, skill_id FROM training ORDER BY user_id, skill_id").map { "\(try $0.int("user_id"))/\(try $0.int("skill_id"))" }
        #expect(left == ["1/2", "2/1", "3/1"])
        #expect(f.cli(["-q", "training", "purge", "--completed-before", "2026-01-01"]).stdout == "1\n")
    }

    @Test func purgeRefusals() throws {
        let missing = f.cli(["training", "purge"])
        #expect(missing.status == 64 && missing.stderr.hasPrefix("socializer: error: --completed-before is required\n"), "\(missing.stderr)")
        let bad = f.cli(["training", "purge", "--completed-before", "yesterday"])
        #expect(bad.status == 64 && bad.stderr.hasPrefix("socializer: error: invalid value 'yesterday' for --completed-before\n"))
        f.setUp([["training", "start", "alice", "empathy"], ["training", "complete", "alice", "empathy"],
                 ["training", "start", "bob", "empathy"], ["training", "complete", "bob", "empathy"]])
        try f.connection().execute("UPDATE training SET completed_at = '2026-06-14' WHERE user_id = 2")
        // completed_at is a date, compared with the cutoff's date: a date after
        // today would take today's completions too, which is everything.
        for cutoff in ["2026-06-16", "2026-06-16T00:00:00Z", "2026-06-16T03:00:00+02:00", "2026-06-15T23:00:00-02:00"] {
            try f.refuses(["training", "purge", "--completed-before", cutoff], 64, """
                socializer: error: refusing to purge the trainings completed before 2026-06-16, a date after today (every completed training would go, today's included) without confirmation
                hint: add --yes to confirm (standard input is not a terminal)

                """)
        }
        // Any time today, later than now included, keeps today's and asks nothing.
        #expect(f.cli(["-n", "-q", "training", "purge", "--completed-before", "2026-06-15T23:00:00Z"]).stdout == "1\n")
        #expect(f.cli(["-q", "training", "purge", "--completed-before", "0d"]).stdout == "1\n")
        #expect(try f.connection().scalarInt("SELECT count(*) FROM training WHERE completed_at = '2026-06-15'") == 1)
        #expect(f.cli(["--yes", "-q", "training", "purge", "--completed-before", "2026-06-16"]).stdout == "1\n")
    }
}
