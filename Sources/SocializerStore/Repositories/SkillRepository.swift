import SocializerCore

/// One row of `skills`. The app's model lets `skill_name` be NULL; such a
/// row can only be named by its id.
public struct Skill: Sendable, Equatable {
    public var id: Int64
    public var name: String?

    static let columns = "id, skill_name"

    init(row: Row) throws {
        id = try row.int("id")
        name = try row.optionalString("skill_name")
    }

    public init(id: Int64, name: String?) {
        self.id = id
        self.name = name
    }

    /// `'empathy'`, or `with id 7` for a nameless row: how messages name it.
    public var described: String { name.map { "'\(Echo.cut($0))'" } ?? "with id \(id)" }
}

/// A skill with how it is used: `skills list --with-counts`.
public struct SkillUsage: Sendable, Equatable {
    public var skill: Skill
    /// Users with a level in it.
    public var users: Int64
    /// Their average level, rounded to two decimals; nil when nobody has one.
    public var averageLevel: Double?
    /// Training rows in it, whatever their status.
    public var trainings: Int64
    /// Training rows per status of the domain (rows outside it count only in `trainings`).
    public var byStatus: [TrainingStatus: Int64]

    init(row: Row) throws {
        skill = try Skill(row: row)
        users = try row.int("users")
        averageLevel = try row.optionalDouble("average_level")
        trainings = try row.int("trainings")
        var byStatus: [TrainingStatus: Int64] = [:]
        for status in TrainingStatus.allCases { byStatus[status] = try row.int(status.rawValue) }
        self.byStatus = byStatus
    }
}

/// One user's level in a skill: `skills levels`.
public struct SkillLevel: Sendable, Equatable {
    public var userID: Int64
    public var username: String
    public var level: Int64

    init(row: Row) throws {
        userID = try row.int("user_id")
        username = try row.string("username")
        level = try row.int("level")
    }
}

/// One of a user's levels, with the skill's name (nil for a nameless skill,
/// or one whose row is gone in a database without references).
public struct UserSkillLevel: Sendable, Equatable {
    public var id: Int64
    public var skillID: Int64
    public var skill: String?
    public var level: Int64

    init(row: Row) throws {
        id = try row.int("id")
        skillID = try row.int("skill_id")
        skill = try row.optionalString("skill_name")
        level = try row.int("level")
    }
}

/// A user's level in one skill and their training in it, if any: `users skills`.
public struct UserSkill: Sendable, Equatable {
    public var skill: String?
    public var level: Int64?
    public var trainingStatus: String?
    public var progress: Double?
    public var startedAt: String?
    public var completedAt: String?
}

/// An existing skill whose name looks like another's but is not the same
/// to the database and the app, which compare names byte for byte.
public struct SkillTwin: Sendable, Equatable {
    public enum Difference: Sendable, Equatable {
        /// The same text, composed differently in Unicode (é as one
        /// character, or as e and a combining accent).
        case composition
        /// The same letters in another case (and maybe composed differently).
        case letterCase
    }
    public var name: String
    public var difference: Difference
}

/// What `add` did with each name, in the order given.
public struct SkillAddition: Sendable, Equatable {
    public enum Outcome: String, Sendable { case added, exists }
    public var skill: Skill
    public var outcome: Outcome
    /// Existing skills whose names look like this one: the app looks skills
    /// up by exact name, so these are separate skills.
    public var twins: [SkillTwin]
}

/// All SQL for `skills` and `user_skills`, and the domain rules of both:
/// names trimmed, non-empty and unique by exact match (as the app looks
/// them up); levels 0–10.
public struct SkillRepository {
    public let db: any Database
    public init(_ db: any Database) { self.db = db }

    // MARK: Names

    /// A new skill name as stored: trimmed, and as `NameRules` allows; not
    /// starting with `id:` or `name:`, which on the command line say how the
    /// rest names a skill (a skill named `id:3` could never be named so).
    public static func validate(name raw: String) throws -> String {
        let name = raw.trimmedSpaces
        if let problem = problem(with: name) {
            throw SocializerError.invalid("the skill name \(problem)", hint: referenceHint(name))
        }
        return name
    }

    /// What is wrong with a trimmed new name ("is empty"), or nil.
    static func problem(with name: String) -> String? {
        if let problem = NameRules.problem(with: name) { return problem }
        guard let prefix = ["id:", "name:"].first(where: { name.hasPrefix($0) }) else { return nil }
        return "starts with '\(prefix)', which names a skill by its \(prefix.dropLast()) when referring to one"
    }

    static func referenceHint(_ name: String) -> String? {
        ["id:", "name:"].contains(where: { name.hasPrefix($0) }) ? "choose a name that does not start with id: or name:" : nil
    }

    /// Whether a name reads as an id where a skill is referred to (`42`, as
    /// `SKILL` would take it): such a skill is referred to as `name:42`.
    public static func readsAsID(_ name: String) -> Bool {
        if case .id? = try? EntityReference(name, kind: "skill") { return true }
        return false
    }

    public static func validate(level: Int64) throws {
        guard DomainRange.skillLevel.contains(level) else {
            throw SocializerError.invalid("level \(level) is outside \(DomainRange.skillLevel.lowerBound) to \(DomainRange.skillLevel.upperBound)")
        }
    }

    // MARK: Reading

    static let byIDSQL = "SELECT \(Skill.columns) FROM skills WHERE id = ?"
    static let byNameSQL = "SELECT \(Skill.columns) FROM skills WHERE skill_name = ?"

    /// Skills by id or by exact name (UNIQUE, so never ambiguous).
    var lookup: EntityLookup<Skill> {
        EntityLookup(kind: "skill",
            byID: { id in try db.firstRow(SkillRepository.byIDSQL, [id]).map(Skill.init(row:)) },
            byName: { name in try db.rows(SkillRepository.byNameSQL, [name]).map(Skill.init(row:)) },
            candidate: { "id \($0.id): \($0.name ?? "(no name)")" })
    }

    public func find(_ reference: EntityReference) throws -> Skill? { try lookup.find(reference) }
    public func require(_ reference: EntityReference) throws -> Skill { try lookup.require(reference) }

    /// The skill named exactly `name`.
    public func find(name: String) throws -> Skill? {
        try db.firstRow(SkillRepository.byNameSQL, [name]).map(Skill.init(row:))
    }

    /// Every skill, by name (nameless ones first), through the UNIQUE index.
    public func list(_ body: (Skill) throws -> Void) throws {
        try SelectQuery("SELECT \(Skill.columns) FROM skills", order: "\(db.dialect.bytewise("skill_name")), id").each(db, Skill.init(row:), body)
    }

    /// Every skill with its users, their average level and its trainings
    /// per status: one pass over user_skills and one over training.
    public func listWithUsage(_ body: (SkillUsage) throws -> Void) throws {
        let statuses = TrainingStatus.allCases.map { "count(CASE WHEN status = '\($0.rawValue)' THEN 1 END) AS \($0.rawValue)" }.joined(separator: ", ")
        let totals = TrainingStatus.allCases.map { "coalesce(t.\($0.rawValue), 0) AS \($0.rawValue)" }.joined(separator: ", ")
        let select = """
            SELECT s.id, s.skill_name, coalesce(l.users, 0) AS users, l.average_level,
              coalesce(t.trainings, 0) AS trainings, \(totals)
            FROM skills s
            LEFT JOIN (SELECT skill_id, count(*) AS users, round(avg(level), 2) AS average_level
                       FROM user_skills GROUP BY skill_id) l ON l.skill_id = s.id
            LEFT JOIN (SELECT skill_id, count(*) AS trainings, \(statuses)
                       FROM training GROUP BY skill_id) t ON t.skill_id = s.id
            """
        try SelectQuery(select, order: "\(db.dialect.bytewise("s.skill_name")), s.id").each(db, SkillUsage.init(row:), body)
    }

    /// The users with a level in the skill, highest level first (then by
    /// username), at least `minimum` when given.
    public func levels(skillID: Int64, minimum: Int64?, _ body: (SkillLevel) throws -> Void) throws {
        var select = SelectQuery("""
            SELECT us.user_id, u.username, us.level
            FROM user_skills us JOIN users u ON u.id = us.user_id
            """, order: "us.level DESC, \(db.dialect.bytewise("u.username"))")
        select.filter("us.skill_id = ?", skillID)
        if let minimum { select.filter("us.level >= ?", minimum) }
        try select.each(db, SkillLevel.init(row:), body)
    }

    /// Every level of one user, by skill name, through `_user_skill_uc`
    /// (user_id first). A level whose skill is gone is listed too, nameless:
    /// the takeout holds every row about the person.
    public func levels(userID: Int64, _ body: (UserSkillLevel) throws -> Void) throws {
        var select = SelectQuery("SELECT us.id, us.skill_id, s.skill_name, us.level FROM user_skills us LEFT JOIN skills s ON s.id = us.skill_id",
                                 order: "\(db.dialect.bytewise("s.skill_name")), us.skill_id")
        select.filter("us.user_id = ?", userID)
        try select.each(db, UserSkillLevel.init(row:), body)
    }

    /// The user's level in the skill, if they have one.
    public func level(userID: Int64, skillID: Int64) throws -> (id: Int64, level: Int64)? {
        try db.firstRow("SELECT id, level FROM user_skills WHERE user_id = ? AND skill_id = ?", [userID, skillID])
            .map { (try $0.int("id"), try $0.int("level")) }
    }

    /// Levels and training of one user: every skill with either, by name.
    /// The rows with a training are exactly `TrainingRepository.list` for
    /// that user (the same SELECT); the rest are levels without training.
    public func userSkills(of userID: Int64, _ body: (UserSkill) throws -> Void) throws {
        try db.forEachRow("""
            SELECT skill_name, level, status, progress, started_at, completed_at FROM (
              \(TrainingRepository.select) WHERE t.user_id = ?
              UNION ALL
              SELECT NULL, NULL, us.skill_id, s.skill_name, NULL AS status, NULL, us.level, NULL, NULL, NULL
              FROM user_skills us JOIN skills s ON s.id = us.skill_id
              WHERE us.user_id = ?
                AND NOT EXISTS (SELECT 1 FROM training t WHERE t.user_id = us.user_id AND t.skill_id = us.skill_id)) AS both_kinds
            ORDER BY \(db.dialect.bytewise("skill_name")), skill_id
            """, [userID, userID]) { row in
            try body(UserSkill(skill: try row.optionalString("skill_name"), level: try row.optionalInt("level"),
                               trainingStatus: try row.optionalString("status"), progress: try row.optionalDouble("progress"),
                               startedAt: try row.optionalString("started_at"), completedAt: try row.optionalString("completed_at")))
        }
    }

    // MARK: Writing

    /// Every stored name, grouped by its lower-case form (Swift's String
    /// keys also take canonically equivalent forms as one): a name's twins
    /// are found in Swift (SQLite's lower() knows only ASCII).
    private func namesByFolding() throws -> [String: [String]] {
        var names: [String: [String]] = [:]
        try db.forEachRow("SELECT skill_name FROM skills WHERE skill_name IS NOT NULL") { row in
            let name = try row.string("skill_name")
            names[name.lowercased(), default: []].append(name)
        }
        return names
    }

    /// The names among `folded` that look like `name` but are other skills
    /// (not byte for byte the same), with how they differ.
    static func twins(of name: String, in folded: [String: [String]]) -> [SkillTwin] {
        (folded[name.lowercased()] ?? []).filter { NameRules.identity($0) != NameRules.identity(name) }.map {
            SkillTwin(name: $0, difference: $0 == name ? .composition : .letterCase)
        }
    }

    /// Adds the skills named, in order, in the open transaction. Every new
    /// name (one the database does not hold yet) is checked before anything
    /// is written, and every problem is reported
    /// together (65): names that are not usable, names that exist already
    /// and names given twice, the last two unless `ifMissing`, when such a
    /// name is reported as `exists`. Names are the same only when their
    /// bytes are, as the database compares them.
    public func add(_ rawNames: [String], ifMissing: Bool) throws -> [SkillAddition] {
        var names: [String] = []
        var unusable: [String] = []
        for raw in rawNames {
            let name = raw.trimmedSpaces
            // A name the app wrote is not new, whatever it holds: it exists.
            if let problem = SkillRepository.problem(with: name), try find(name: name) == nil {
                unusable.append("the skill name '\(Echo.cut(raw))' \(problem)")
            } else {
                names.append(name)
            }
        }
        var existing: [[UInt8]: Skill] = [:]
        for name in names where existing[NameRules.identity(name)] == nil {
            existing[NameRules.identity(name)] = try find(name: name)
        }
        var conflicts: [String] = []
        var anyTaken = false
        if !ifMissing {
            func listed(_ names: [String]) -> String { names.map { "'\(Echo.cut($0))'" }.joined(separator: ", ") }
            var seen = Set<[UInt8]>(), listedTaken = Set<[UInt8]>(), listedRepeated = Set<[UInt8]>()
            let taken = names.filter { existing[NameRules.identity($0)] != nil && listedTaken.insert(NameRules.identity($0)).inserted }
            let repeated = names.filter {
                !seen.insert(NameRules.identity($0)).inserted && existing[NameRules.identity($0)] == nil
                    && listedRepeated.insert(NameRules.identity($0)).inserted
            }
            if !taken.isEmpty {
                anyTaken = true
                conflicts.append(taken.count == 1 ? "skill \(listed(taken)) already exists" : "skills \(listed(taken)) already exist")
            }
            if !repeated.isEmpty {
                conflicts.append(repeated.count == 1 ? "skill \(listed(repeated)) is named more than once"
                                                     : "skills \(listed(repeated)) are named more than once")
            }
        }
        let problems = unusable + conflicts
        if !problems.isEmpty {
            // --if-missing helps only when existing names are the problem, and nothing else is.
            let reason: SocializerError.Reason? = anyTaken && unusable.isEmpty ? .skillExists : nil
            let hint = rawNames.lazy.compactMap { SkillRepository.referenceHint($0.trimmedSpaces) }.first
            if problems.count == 1 { throw SocializerError.invalid(problems[0], hint: hint, reason: reason) }
            throw SocializerError.invalid("\(problems.count) problems with the names given; nothing was added", hint: hint,
                                          details: problems, reason: reason)
        }
        var folded = try namesByFolding()
        var additions: [SkillAddition] = []
        for name in names {
            if let skill = existing[NameRules.identity(name)] {
                additions.append(SkillAddition(skill: skill, outcome: .exists, twins: []))
                continue
            }
            let twins = SkillRepository.twins(of: name, in: folded)
            let skill = Skill(id: try db.insert("INSERT INTO skills (skill_name) VALUES (?)", [name], returning: "id"), name: name)
            additions.append(SkillAddition(skill: skill, outcome: .added, twins: twins))
            existing[NameRules.identity(name)] = skill
            folded[name.lowercased(), default: []].append(name)
        }
        return additions
    }

    /// Gives the skill a new name; returns the renamed skill and the other
    /// skills whose names look like the new one.
    public func rename(_ skill: Skill, to raw: String) throws -> (skill: Skill, twins: [SkillTwin]) {
        let name = try SkillRepository.validate(name: raw)
        if let existing = try find(name: name), existing.id != skill.id {
            throw SocializerError.invalid("skill '\(Echo.cut(name))' already exists (id \(existing.id))")
        }
        let twins = SkillRepository.twins(of: name, in: try namesByFolding())
            .filter { NameRules.identity($0.name) != NameRules.identity(skill.name ?? "") }
        try db.execute("UPDATE skills SET skill_name = ? WHERE id = ?", [name, skill.id])
        return (Skill(id: skill.id, name: name), twins)
    }

    /// Finds the skill named exactly (trimmed), or adds it as a new name.
    public func findOrAdd(name raw: String) throws -> SkillAddition {
        let name = raw.trimmedSpaces
        if let skill = try find(name: name) { return SkillAddition(skill: skill, outcome: .exists, twins: []) }
        return try add([try SkillRepository.validate(name: name)], ifMissing: true)[0]
    }

    /// Sets the user's level in the skill, inserting or updating their
    /// user_skills row (the app's upsert); returns that row's id and the
    /// level it held before, if any.
    public func setLevel(userID: Int64, skillID: Int64, level: Int64) throws -> (id: Int64, previous: Int64?) {
        try SkillRepository.validate(level: level)
        if let existing = try self.level(userID: userID, skillID: skillID) {
            try db.execute("UPDATE user_skills SET level = ? WHERE id = ?", [level, existing.id])
            return (existing.id, existing.level)
        }
        return (try db.insert("INSERT INTO user_skills (user_id, skill_id, level) VALUES (?, ?, ?)", [userID, skillID, level], returning: "id"), nil)
    }

    /// Removes the skill and everything that refers to it (user_skills,
    /// training, the app's own tables), through the database's references;
    /// returns the rows deleted and detached per table. Run it in a transaction.
    public func removeCascading(_ id: Int64) throws -> [ReferenceCascade.Count] {
        var cascade = try ReferenceCascade(db)
        try cascade.delete(from: "skills", where: "id = ?", [id])
        return cascade.counts
    }
}
