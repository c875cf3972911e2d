import SocializerCore

/// One row of `admin_audit`: who changed what through socializer, and when.
public struct AuditEntry: Sendable, Equatable {
    public var id: Int64
    public var at: Timestamp
    public var actor: String
    /// The verb path (`users delete`).
    public var command: String
    /// `users:12 (alice)`, `users:12`, a table alone (`token_blacklist`) for
    /// several rows or a purge, or nil.
    public var target: String?
    /// JSON text: per table, the rows inserted, updated and deleted.
    public var rows: String
    /// JSON text: the arguments given (secrets and addresses never), and a
    /// run's report.
    public var details: String

    static let columns = "id, at, actor, command, target, rows, details"

    init(row: Row) throws {
        id = try row.int("id")
        at = try row.timestamp("at")
        actor = try row.string("actor")
        command = try row.string("command")
        target = try row.optionalString("target")
        rows = try row.string("rows")
        details = try row.string("details")
    }
}

/// What an audit entry is about: a row (`users:12`, with its name when the
/// table has one: `users:12 (alice)`), a row of a table without ids named
/// by its user and skill (`training (alice/empathy)`), or a whole table.
public struct AuditTarget: Sendable, Equatable {
    public var table: String
    public var id: Int64?
    public var name: String?

    public init(table: String, id: Int64? = nil, name: String? = nil) {
        self.table = table
        self.id = id
        self.name = name
    }

    public var text: String {
        let row = id.map { "\(table):\($0)" } ?? table
        guard let name else { return row }
        return "\(row) (\(Echo.cut(name, maximumLength: 100)))"
    }
}

extension AuditTarget {
    /// A user, named as they were when the entry was written.
    public static func user(_ user: User) -> AuditTarget { AuditTarget(table: "users", id: user.id, name: user.username) }
    public static func revokedToken(id: Int64) -> AuditTarget { AuditTarget(table: "token_blacklist", id: id) }
    /// A skill, named as it was when the entry was written.
    public static func skill(_ skill: Skill) -> AuditTarget { AuditTarget(table: "skills", id: skill.id, name: skill.name) }
    /// A user's training in a skill: `training (alice/empathy)`. Training
    /// rows have no id (the pair is the key), so they are named by the pair.
    public static func training(_ training: Training) -> AuditTarget {
        AuditTarget(table: "training", name: pair(training.username, Skill(id: training.skillID, name: training.skill)))
    }
    /// A user's level in a skill: `user_skills:5 (alice/empathy)`.
    public static func level(id: Int64, user: User, skill: Skill) -> AuditTarget {
        AuditTarget(table: "user_skills", id: id, name: pair(user.username, skill))
    }

    /// `USER/SKILL`; a skill without a name as `id:N`, how it is referred to.
    static func pair(_ username: String, _ skill: Skill) -> String {
        username + "/" + (skill.name ?? "id:\(skill.id)")
    }
}

/// Filters of `audit list`.
public struct AuditQuery: Sendable {
    public var actor: String?
    /// A verb path, or a command and everything under it (`users`, `users prefs`).
    public var command: String?
    /// A table (`users`), a row (`users:12`), a name (`alice`, exactly as
    /// written) or a pair (`alice/empathy`; `alice` and `empathy` match it too).
    public var target: String?
    public var since: Timestamp?
    public var until: Timestamp?
    public var limit: Int64?
    public init() {}
}

/// All SQL for `admin_audit` (migration 0005), and how a change set names
/// its target.
public struct AuditRepository {
    public let db: any Database
    public init(_ db: any Database) { self.db = db }

    public static let table = "admin_audit"
    /// The migration that adds the trail; older databases have none.
    public static let sinceVersion = 5

    /// The columns that name a row of a table for people, for targets.
    static let nameColumns = ["users": "username", "skills": "skill_name", "chat_rooms": "name"]

    /// Whether the database has the trail: migrated to 0005 or later. The
    /// recorded version decides, as for every other table; a database at
    /// 0005 whose table was dropped by hand fails loudly on the insert.
    public func isAvailable() throws -> Bool {
        try db.scalarInt("SELECT coalesce(max(version), 0) FROM schema_migrations") >= AuditRepository.sinceVersion
    }

    /// How many entries the trail holds.
    public func count() throws -> Int64 {
        try db.scalarInt("SELECT count(*) FROM admin_audit")
    }

    static let insertSQL = "INSERT INTO admin_audit (at, actor, command, target, rows, details) VALUES (?, ?, ?, ?, ?, ?)"

    /// Records one entry; returns its id.
    public func insert(at: Timestamp, actor: String, command: String, target: AuditTarget?, changes: ChangeSet,
                       details: JSONValue) throws -> Int64 {
        try db.insert(AuditRepository.insertSQL, [at.databaseText, actor, command, target?.text,
                                                 AuditRepository.rowsJSON(changes).compactText, details.compactText],
                      returning: "id")
    }

    /// `{"users": {"deleted": 1}, "user_preferences": {"deleted": 2}}`: the
    /// tables in the order they were first changed, only the counts that are not 0.
    public static func rowsJSON(_ changes: ChangeSet) -> JSONValue {
        .object(changes.tables.filter { $0.total > 0 }.map { change in
            let counts: [(String, Int)] = [("inserted", change.inserted), ("updated", change.updated), ("deleted", change.deleted)]
            return (change.table, JSONValue.object(counts.filter { $0.1 > 0 }.map { ($0.0, .integer(Int64($0.1))) }))
        })
    }

    static let select = "SELECT \(AuditEntry.columns) FROM admin_audit"

    public func require(id: Int64) throws -> AuditEntry {
        guard let row = try db.firstRow(AuditRepository.select + " WHERE id = ?", [id]) else {
            throw SocializerError.notFound("no audit entry has id \(id)")
        }
        return try AuditEntry(row: row)
    }

    /// Newest first, through the index on `at`.
    public func list(_ query: AuditQuery, _ body: (AuditEntry) throws -> Void) throws {
        var select = SelectQuery(AuditRepository.select, order: "at DESC, id DESC")
        if let actor = query.actor { select.filter("actor = ?", actor) }
        if let command = query.command {
            select.filter("(command = ? OR command \(SelectQuery.likePlaceholder) ? ESCAPE '\\')", command, SQL.likeLiteral(command) + " %")
        }
        if let target = query.target {
            // Exact, as names are (GLOB on SQLite, not LIKE, which ignores
            // ASCII case; PostgreSQL's LIKE, which does not): the table, a
            // row of it, a name, or either side of a pair.
            let dialect = db.dialect
            let literal = dialect.patternLiteral(target), any = dialect.patternAnything
            let match = { (column: String) in dialect.matchesPattern(column) }
            select.filter("""
                (target = ? OR \(match("target")) OR \(match("target")) OR \(match("target"))
                 OR ((\(match("target")) OR \(match("target"))) AND (\(match("target")) OR \(match("target")))))
                """, target, literal + ":" + any, literal + " (" + any, any + " (" + literal + ")",
                dialect.patternLiteral("training (") + any, dialect.patternLiteral("user_skills:") + any,
                any + " (" + literal + "/" + any + ")", any + " (" + any + "/" + literal + ")")
        }
        if let since = query.since { select.filter("at >= ?", since.databaseText) }
        if let until = query.until { select.filter("at < ?", until.databaseText) }
        select.limit = query.limit
        try select.each(db, AuditEntry.init(row:), body)
    }

    /// Entries recorded before `cutoff`, oldest first through the index.
    public static func purgeTarget(before cutoff: Timestamp) -> PurgeTarget {
        PurgeTarget(table: table, condition: "at < ?", arguments: [.text(cutoff.databaseText)], orderBy: "at")
    }

    // MARK: Targets

    /// The target that the ids a write reports imply, found in what it
    /// changed: the table whose changed rows include the first id (when
    /// several do, the one the others refer to: deleting a user deletes
    /// their preferences, and the user is the target), with that row's
    /// name; several ids give the table alone. Without ids, the one table
    /// changed, if only one was. An engine whose counts carry no row ids
    /// (PostgreSQL) names no table by them: there `table`, the one the ids
    /// are rows of, when the change wrote to it.
    public func target(ofIDs ids: [Int64], in changes: ChangeSet, table rowsTable: String? = nil) throws -> AuditTarget? {
        guard let first = ids.first else {
            let changed = changes.tables.filter { $0.total > 0 }
            return changed.count == 1 ? AuditTarget(table: changed[0].table) : nil
        }
        var candidates = changes.tables.filter { $0.sampleRowIDs.contains(first) }.map(\.table)
        if candidates.isEmpty, let rowsTable, changes.tables.allSatisfy({ $0.sampleRowIDs.isEmpty }),
           (changes.changes(of: rowsTable)?.total ?? 0) > 0 {
            candidates = [rowsTable]
        }
        guard var table = candidates.first else { return nil }
        if candidates.count > 1 {
            let parents = try candidates.filter { parent in
                try candidates.allSatisfy { try $0 == parent || references($0, parent) }
            }
            table = parents.first ?? table
        }
        if ids.count > 1 { return AuditTarget(table: table) }
        return AuditTarget(table: table, id: first, name: try name(of: first, in: table))
    }

    /// A row's name, for the tables whose rows have one; nil once deleted.
    public func name(of id: Int64, in table: String) throws -> String? {
        guard let column = AuditRepository.nameColumns[table] else { return nil }
        return try db.firstRow("SELECT \(column) FROM \(table) WHERE id = ?", [id])?.optionalString(column)
    }

    /// Whether `child` has a foreign key to `parent`, in the live schema.
    func references(_ child: String, _ parent: String) throws -> Bool {
        try db.rows(db.dialect.referencedTablesSQL, [child]).contains { (try? $0.string("table")) == parent }
    }
}
