import CSQLite
import SocializerCore

/// One counted condition over the rows of a table: a value outside its
/// domain, a reference whose row is gone, a room password in plain text.
/// A table's rules are counted together, in one pass over it (on
/// PostgreSQL, its references apart: `Doctor.counting`).
struct RowRule {
    var code: DoctorFinding.Code
    var table: String
    var column: String?
    /// SQL true for a row the rule finds. Built from compiled constants only.
    var condition: String
    /// The same test in the form SQLite's aggregate counts fastest (1 or 0 a row):
    /// `CASE` over a list instead of `NOT IN`, which probes a temporary
    /// index per row (bench/doctor.sh: 341 ms instead of 775 ms over a
    /// million messages). A test keeps the two forms in agreement.
    var counted: String
    /// The sentence, given the count and the note on where the rows are.
    var message: (Int64, String) -> String
    /// What fixes the rows, given the rowids of the first few and the count.
    var remedy: ([Int64], Int64) -> DoctorFinding.Remedy?
}

/// The references whose rows belong to the row referred to: a membership,
/// a skill level, a training, a preference, a room's messages. Their
/// orphans are deleted by the repair (`Doctor.repairRows`); nothing else
/// that refers to a missing row is deleted.
enum OrphanRepair: Equatable {
    case delete
    /// A nullable reference to a missing user, or one the schema declares
    /// ON DELETE SET NULL (`room_invites.message_id`): set NULL.
    case detach
    /// Reported for an operator to decide.
    case none

    static let owned: Set<ReferenceCascade.Column> = [
        .init("room_members", "room_id"), .init("room_members", "user_id"),
        .init("user_skills", "user_id"), .init("user_skills", "skill_id"),
        .init("training", "user_id"), .init("training", "skill_id"),
        .init("user_preferences", "user_id"), .init("room_messages", "room_id"),
    ]

    static func of(_ table: TableModel, _ key: ForeignKeyModel) -> OrphanRepair {
        if owned.contains(.init(table.name, key.column)) { return .delete }
        let nullable = !(table.columns.first { $0.name == key.column }?.notNull ?? true)
        return nullable && (key.table == "users" || key.onDelete == "SET NULL") ? .detach : .none
    }
}

extension Doctor {
    // MARK: Rules

    /// SQL true for a value outside `rule`. NULL is never outside (nullable
    /// columns may hold it); the values are compiled constants. Names of the
    /// compiled schema are written bare, as its own DDL writes them, so that
    /// the statements shown to operators read as typed.
    static func violation(_ rule: ColumnDomain.Rule, _ c: String, _ dialect: SQLDialect) -> String {
        "\(c) IS NOT NULL AND " + outside(rule, c, dialect)
    }

    /// `violation` as SQLite's aggregate counts it, NULL counting 0.
    static func countedViolation(_ rule: ColumnDomain.Rule, _ c: String, _ dialect: SQLDialect) -> String {
        switch rule {
        case .oneOf(let values):
            return "CASE \(c)" + values.map { " WHEN \(SQL.literal($0)) THEN 0" }.joined() + " ELSE \(c) IS NOT NULL END"
        case .boolean:
            return "CASE \(c) WHEN 0 THEN 0 WHEN 1 THEN 0 ELSE \(c) IS NOT NULL END"
        case .json:
            // The app's usual empty object needs no parser.
            return "CASE \(c) WHEN '{}' THEN 0 ELSE \(c) IS NOT NULL AND NOT json_valid(\(c)) END"
        case .date, .datetime:
            return "CASE WHEN \(c) IS NULL THEN 0 ELSE NOT \(timestampTest)(\(c)) END"
        case .integers, .reals:
            return violation(rule, c, dialect)
        }
    }

    private static func outside(_ rule: ColumnDomain.Rule, _ c: String, _ dialect: SQLDialect) -> String {
        switch rule {
        case .oneOf(let values):
            return "\(c) NOT IN (\(values.map(SQL.literal).joined(separator: ", ")))"
        // A typed column (PostgreSQL's INTEGER, FLOAT) holds only numbers: the range is the test.
        case .integers(let range) where dialect.enforcesColumnTypes:
            return "NOT (\(c) BETWEEN \(range.lowerBound) AND \(range.upperBound))"
        case .reals(let range) where dialect.enforcesColumnTypes:
            return "NOT (\(c) BETWEEN \(range.lowerBound) AND \(range.upperBound))"
        case .integers(let range):
            return "NOT (typeof(\(c)) = 'integer' AND \(c) BETWEEN \(range.lowerBound) AND \(range.upperBound))"
        case .reals(let range):
            return "NOT (typeof(\(c)) IN ('integer', 'real') AND \(c) BETWEEN \(range.lowerBound) AND \(range.upperBound))"
        case .boolean:
            return "\(c) NOT IN (0, 1)"
        case .date, .datetime:
            return "NOT \(timestampTest)(\(c))"
        case .json:
            return "NOT json_valid(\(c))"
        }
    }

    /// `a` or `an` before a column or table name, as it is read aloud
    /// (`an is_public`, `an edited_at`, but `a user_id`, `a users row`).
    static func article(_ name: String) -> String {
        guard let first = name.first?.lowercased() else { return "a" }
        return "aeio".contains(first) ? "an" : "a"
    }

    /// SQL true for a row of `table` whose reference names a row that does
    /// not exist; the names as they are to appear (bare for the compiled
    /// schema, `SQL.quote`d when read from the live one), `table` as the
    /// statement names it (the test is correlated to it on PostgreSQL).
    /// SQLite: `NOT IN` a subquery, which it runs by probing the parent's
    /// key per row, twice as fast here as a correlated `NOT EXISTS`. (A
    /// NULL never matches, and NOT IN an empty parent would be true for it:
    /// hence the first test. A parent key other than the compiled `id` may
    /// hold NULLs, which would make every NOT IN unknown: they are left out.)
    /// PostgreSQL: a correlated `NOT EXISTS`, which its planner turns into
    /// an anti-join in a WHERE (`counting` keeps it there); it never does
    /// for `NOT IN`, whose subquery, once past work_mem, is read again for
    /// every row (rows times parent rows).
    static func orphan(_ column: String, of table: String, parent: String, parentColumn: String? = nil,
                       _ dialect: SQLDialect) -> String {
        guard dialect.isPostgres else {
            let key = parentColumn.map { "\($0) FROM \(parent) WHERE \($0) IS NOT NULL" } ?? "id FROM \(parent)"
            return "\(column) IS NOT NULL AND \(column) NOT IN (SELECT \(key))"
        }
        // An alias the outer table cannot be called, so that `table.column` names the outer row.
        let alias = table == "parent_row" || table == SQL.quote("parent_row") ? "parent_row_" : "parent_row"
        return "\(column) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM \(parent) AS \(alias) "
            + "WHERE \(alias).\(parentColumn ?? "id") = \(table).\(column))"
    }

    /// What the app writes in a column that has no SQL default, where that
    /// is the right correction of a bad value (SPEC §2: message metadata
    /// `{}` when there is none).
    static let appValues = ["room_messages.message_metadata": "'{}'"]

    static func domainRule(_ domain: ColumnDomain, _ dialect: SQLDialect) -> RowRule {
        let (table, column) = (domain.table, domain.column)
        let code: DoctorFinding.Code
        let what: String
        switch domain.rule {
        case .oneOf(let values): code = .outOfDomain; what = "outside \(values.joined(separator: ", "))"
        case .integers(let range): code = .outOfDomain; what = "outside \(range.lowerBound) to \(range.upperBound)"
        case .reals(let range): code = .outOfDomain; what = "outside \(range.lowerBound) to \(range.upperBound)"
        case .boolean: code = .badBoolean; what = "that is not 0 or 1"
        case .date: code = .badDate; what = "that is not a date"
        case .datetime: code = .badDatetime; what = "that is not a date and time"
        case .json: code = .badJSON; what = "that is not JSON"
        }
        let condition = violation(domain.rule, column, dialect)
        let counted = countedViolation(domain.rule, column, dialect)
        let model = SchemaModel.table(table)?.columns.first { $0.name == column }
        // What the correction sets: the column's SQL default, else what the app writes, else NULL where allowed.
        let value = model?.defaultSQL ?? appValues["\(table).\(column)"] ?? (model?.notNull == false ? "NULL" : nil)
        return RowRule(code: code, table: table, column: column, condition: condition, counted: counted,
            message: { count, note in "\(count) row(s) hold \(Doctor.article(column)) \(column) \(what)\(note)" },
            remedy: { rowids, count in
                // A role is text the users verbs read and rewrite; other bad values may not even decode there.
                if table == "users", column == "role" {
                    return .updateUsers(column: column, value: value.map { $0.replacingAll("'", with: "") } ?? "")
                }
                // The timestamp test exists only inside socializer: name the rows instead, when they all fit.
                let portable: Bool
                switch domain.rule {
                case .date, .datetime: portable = false
                default: portable = true
                }
                let rows = portable ? condition : (Int64(rowids.count) == count
                    ? "rowid IN (\(rowids.map(String.init).joined(separator: ", ")))" : nil)
                guard let rows else { return nil }
                guard let value else { return .statement("SELECT \(dialect.rowsWithNumber) FROM \(table) WHERE \(rows)") }
                return .statement("UPDATE \(table) SET \(column) = \(value) WHERE \(rows)")
            })
    }

    static func referenceRule(_ table: TableModel, _ key: ForeignKeyModel, _ dialect: SQLDialect) -> RowRule {
        let condition = orphan(key.column, of: table.name, parent: key.table, dialect)
        let repair = OrphanRepair.of(table, key)
        return RowRule(code: .orphanRows, table: table.name, column: key.column, condition: condition, counted: condition,
            message: { count, note in
                "\(count) row(s) refer through \(key.column) to \(Doctor.article(key.table)) \(key.table) row that does not exist\(note)"
                    + (repair == .delete ? "; they belong to it" : repair == .detach ? "; \(key.column) can be NULL" : "")
            },
            remedy: { _, _ in
                repair == .none ? .statement("SELECT \(dialect.rowsWithNumber) FROM \(table.name) WHERE \(condition)") : .repair
            })
    }

    /// A DATETIME column's values that read as a time but are not stored
    /// in the form every other value is: compared as text (every `WHERE`
    /// on a time, every `ORDER BY`), they sort out of time order. The
    /// repair rewrites them in the storage form, the same instant.
    static func nonCanonicalRule(_ table: String, _ column: String) -> RowRule {
        let condition = "\(column) IS NOT NULL AND \(nonCanonicalTest)(\(column))"
        return RowRule(code: .noncanonicalDatetime, table: table, column: column, condition: condition,
            counted: "CASE WHEN \(column) IS NULL THEN 0 ELSE \(nonCanonicalTest)(\(column)) END",
            message: { count, note in
                "\(count) row(s) hold \(Doctor.article(column)) \(column) in another form than YYYY-MM-DD HH:MM:SS.ffffff (UTC)\(note): "
                    + "compared as text, they sort out of time order (time filters, unread counts, purges, last activity)"
            },
            remedy: { _, _ in .repair })
    }

    static var plaintextPasswords: RowRule { RowRule(
        code: .plaintextRoomPasswords, table: "chat_rooms", column: "password",
        condition: "password IS NOT NULL AND password != ''", counted: "password IS NOT NULL AND password != ''",
        message: { count, note in
            "\(count) room(s) have a password, stored in plain text: the app compares room passwords as typed\(note)"
        },
        remedy: { _, _ in nil }) }

    /// Rows that contradict each other's columns the way the app reads
    /// them: the AI is the membership with no user and role ai, and speaks
    /// with no sender; a user's membership and message name the user.
    /// Each rule's columns must exist (`columns`, by table).
    static func consistencyRules(_ dialect: SQLDialect) -> [(columns: [String: [String]], rule: RowRule)] {
        let (no, yes) = (dialect.boolean(false), dialect.boolean(true))
        let aiMessageWithSender = aiMessageWithSender(dialect)
        return [
            (["room_members": ["user_id", "role"]], RowRule(
                code: .userMemberAIRole, table: "room_members", column: "role",
                condition: "user_id IS NOT NULL AND role = 'ai'", counted: "user_id IS NOT NULL AND role = 'ai'",
                message: { count, note in "\(count) membership(s) of a user have the role ai, which is the AI's (a membership with no user)\(note)" },
                remedy: { _, _ in .setMemberRole })),
            (["room_members": ["user_id", "role"]], RowRule(
                code: .aiMemberWrongRole, table: "room_members", column: "role",
                condition: "user_id IS NULL AND role IN ('creator', 'member')", counted: "user_id IS NULL AND role IN ('creator', 'member')",
                message: { count, note in
                    "\(count) membership(s) with no user, which is how the AI is a member, have the role creator or member, not ai\(note)"
                },
                remedy: { _, _ in .statement("UPDATE room_members SET role = 'ai' WHERE user_id IS NULL AND role IN ('creator', 'member')") })),
            (["chat_rooms": ["ai_enabled"], "room_members": ["room_id", "user_id", "is_active"]], RowRule(
                code: .aiOffWithAIMember, table: "chat_rooms", column: "ai_enabled",
                // Uncorrelated: SQLite builds the set of rooms with an active AI member once.
                condition: "ai_enabled = \(no) AND id IN (SELECT room_id FROM room_members WHERE user_id IS NULL AND is_active = \(yes))",
                counted: "ai_enabled = \(no) AND id IN (SELECT room_id FROM room_members WHERE user_id IS NULL AND is_active = \(yes))",
                message: { count, note in "\(count) room(s) have AI turned off (ai_enabled 0) but an active AI member\(note)" },
                remedy: { _, _ in .setRoomAI })),
            (["room_messages": ["sender_type", "sender_id", "is_deleted"]], RowRule(
                code: .userMessageWithoutSender, table: "room_messages", column: "sender_id",
                condition: "sender_type = 'user' AND sender_id IS NULL AND is_deleted = \(no)",
                counted: "sender_type = 'user' AND sender_id IS NULL AND is_deleted = \(no)",
                message: { count, note in
                    "\(count) message(s) from a user have no sender_id (never set, or their sender's row is gone), and show no sender\(note)"
                },
                remedy: { _, _ in .hideMessages })),
            // The app's invite message is a system message that names its inviter: not counted.
            (["room_messages": ["sender_type", "sender_id", "message_type"]], RowRule(
                code: .aiMessageWithSender, table: "room_messages", column: "sender_id",
                condition: aiMessageWithSender, counted: aiMessageWithSender,
                message: { count, note in
                    "\(count) AI or system message(s) (invites aside) have a sender_id, which the app leaves NULL for them\(note)"
                },
                remedy: { _, _ in .statement("UPDATE room_messages SET sender_id = NULL WHERE \(aiMessageWithSender)") })),
        ]
    }

    static func aiMessageWithSender(_ dialect: SQLDialect) -> String {
        "sender_id IS NOT NULL AND (sender_type = 'ai' OR (sender_type = 'system' AND message_type \(dialect.isDistinctFrom) 'invite'))"
    }

    /// Every rule over `table` whose columns (and referred tables) exist.
    /// Where the engine enforces the column types (PostgreSQL), a BOOLEAN,
    /// DATE, DATETIME or JSON column cannot hold anything else, nor a time
    /// in another form: those rules are not run there.
    func rules(for table: String, _ facts: SchemaFacts) -> [RowRule] {
        let dialect = db.dialect
        var rules = ColumnDomain.all.filter { domain in
            guard domain.table == table && facts.hasColumn(table, domain.column) else { return false }
            switch domain.rule {
            case .boolean, .date, .datetime, .json: return !dialect.enforcesColumnTypes
            case .oneOf, .integers, .reals: return true
            }
        }.flatMap { domain in
            [Doctor.domainRule(domain, dialect)] + (domain.rule == .datetime ? [Doctor.nonCanonicalRule(table, domain.column)] : [])
        }
        if let model = SchemaModel.table(table) {
            for key in model.foreignKeys where facts.hasColumn(table, key.column) && facts.hasColumn(key.table, "id") {
                rules.append(Doctor.referenceRule(model, key, dialect))
            }
        }
        if table == "chat_rooms" && facts.hasColumn(table, "password") { rules.append(Doctor.plaintextPasswords) }
        for (columns, rule) in Doctor.consistencyRules(dialect) where rule.table == table
            && columns.allSatisfy({ table, names in names.allSatisfy { facts.hasColumn(table, $0) } }) && facts.hasColumn(table, "id") {
            rules.append(rule)
        }
        return rules
    }

    // MARK: Running them

    /// One aggregate over `table` counting every rule at once (on
    /// PostgreSQL, the references apart: `counting`); then, for a rule that
    /// found rows, the rowids of the first few.
    func tableFindings(_ table: String, _ facts: SchemaFacts) throws -> [DoctorFinding] {
        let rules = rules(for: table, facts)
        guard !rules.isEmpty else { return [] }
        var counts = [Int64](repeating: 0, count: rules.count)
        for statement in counting(table, rules) {
            guard let row = try db.firstRow(statement.sql) else { continue }
            for (column, index) in statement.rules.enumerated() {
                if case .integer(let count) = row[column] { counts[index] = count }
            }
        }
        var findings: [DoctorFinding] = []
        for (index, rule) in rules.enumerated() where counts[index] > 0 {
            let count = counts[index]
            let rowids = try sample(table, rule.condition, hasID: facts.hasColumn(table, "id"))
            findings.append(DoctorFinding(rule.code, table: table, column: rule.column, count: count,
                                          rule.message(count, DoctorFinding.rowidNote(rowids, of: count)),
                                          rowids: rowids, remedy: rule.remedy(rowids, count)))
        }
        return findings
    }

    /// The statements that count `rules` over `table`, each with the
    /// indexes of the rules its columns count, in order. One aggregate on
    /// SQLite. On PostgreSQL a reference is counted by a query of its own,
    /// which the planner runs as an anti-join (a hash of the parent's keys,
    /// in batches past work_mem): inside an aggregate's FILTER it can only
    /// look the parent up once a row (bench/postgres-doctor.sh: 1.7 s
    /// instead of 0.19 s for room_messages; 0.22 s counted apart).
    func counting(_ table: String, _ rules: [RowRule]) -> [(sql: String, rules: [Int])] {
        let apart = db.dialect.isPostgres ? rules.indices.filter { rules[$0].code == .orphanRows } : []
        let together = rules.indices.filter { !apart.contains($0) }
        let from = " FROM \(SQL.quote(table))"
        return (together.isEmpty ? [] : [(
            "SELECT " + together.map { db.dialect.count(where: rules[$0].condition, counted: rules[$0].counted) }.joined(separator: ", ") + from,
            together)])
            + apart.map { ("SELECT count(*)" + from + " WHERE \(rules[$0].condition)", [$0]) }
    }

    /// The rowids of the first rows of `table` where `condition` holds
    /// (on PostgreSQL their ids; none for a table without one).
    func sample(_ table: String, _ condition: String, hasID: Bool) throws -> [Int64] {
        guard let number = db.dialect.rowNumber(hasID: hasID) else { return [] }
        return try db.rows("SELECT \(number) FROM \(SQL.quote(table)) WHERE \(condition) ORDER BY \(number) LIMIT \(DoctorFinding.sampleSize)")
            .compactMap { if case .integer(let id) = $0[0] { return id } else { return nil } }
    }

    /// References the live schema declares beyond the compiled ones (the
    /// app's own tables, `life_events` and the like), through SQLite's own
    /// `PRAGMA foreign_key_check`; on PostgreSQL counted as the compiled
    /// ones are (`countedReferenceFindings`).
    func declaredReferenceFindings(_ facts: SchemaFacts) throws -> [DoctorFinding] {
        guard let db = file else { return try countedReferenceFindings(facts) }
        var findings: [DoctorFinding] = []
        for table in facts.live.tables {
            let compiled = Set(SchemaModel.table(table.name)?.foreignKeys.map(\.column) ?? [])
            var declared: [Int64: (column: String, parent: String, parentColumn: String)] = [:]
            for row in try db.rows("PRAGMA foreign_key_list(\(SQL.quote(table.name)))") {
                let column = try row.string("from")
                guard !compiled.contains(column), case .integer(let id) = row["id"] ?? .null else { continue }
                declared[id] = (column, try row.string("table"), try row.optionalString("to") ?? "id")
            }
            guard !declared.isEmpty else { continue }
            var found: [Int64: (count: Int64, rowids: [Int64])] = [:]
            do {
                try db.forEachRow("PRAGMA foreign_key_check(\(SQL.quote(table.name)))") { row in
                    guard case .integer(let id) = row["fkid"] ?? .null, declared[id] != nil else { return }
                    var entry = found[id] ?? (0, [])
                    entry.count += 1
                    if case .integer(let rowid) = row["rowid"] ?? .null, entry.rowids.count < DoctorFinding.sampleSize {
                        entry.rowids.append(rowid)
                    }
                    found[id] = entry
                }
            } catch let error as DatabaseError where error.primaryCode == SQLITE_ERROR {
                // "foreign key mismatch": a declaration SQLite cannot check (the parent key is not unique).
                findings.append(DoctorFinding(.checkFailed, table: table.name, count: 1,
                    "the references \(table.name) declares cannot be checked: \(error.message)"))
                continue
            }
            for id in found.keys.sorted() {
                guard let entry = found[id], let reference = declared[id] else { continue }
                findings.append(declaredOrphans(table.name, reference.column, parent: reference.parent,
                                                parentColumn: reference.parentColumn, count: entry.count, rowids: entry.rowids))
            }
        }
        return findings
    }

    /// The declared references beyond the compiled ones on PostgreSQL,
    /// each counted by its own query (an anti-join on the parent's key):
    /// those of one column to a table of the current schema, which are the
    /// ones `LiveSchema` reads (a composite key's rows are the server's to
    /// check). The
    /// server checks a declared reference on every write, but not for the
    /// rows written while its triggers were off (`session_replication_role
    /// = replica`, as `pg_restore --disable-triggers` and logical
    /// replication run), nor those a NOT VALID constraint has not yet
    /// validated: so every one is counted, as every compiled one is.
    func countedReferenceFindings(_ facts: SchemaFacts) throws -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        for table in facts.live.tables {
            let compiled = Set(SchemaModel.table(table.name)?.foreignKeys.map(\.column) ?? [])
            for reference in table.references where !compiled.contains(reference.column) {
                let condition = Doctor.orphan(SQL.quote(reference.column), of: SQL.quote(table.name),
                                              parent: SQL.quote(reference.parentTable), parentColumn: SQL.quote(reference.parentColumn), db.dialect)
                let count = try db.scalarInt("SELECT count(*) FROM \(SQL.quote(table.name)) WHERE \(condition)")
                guard count > 0 else { continue }
                findings.append(declaredOrphans(table.name, reference.column, parent: reference.parentTable,
                    parentColumn: reference.parentColumn, count: count,
                    rowids: try sample(table.name, condition, hasID: facts.hasColumn(table.name, "id"))))
            }
        }
        return findings
    }

    /// The finding of a declared reference's orphans, and the statement that lists them.
    func declaredOrphans(_ table: String, _ column: String, parent: String, parentColumn: String,
                         count: Int64, rowids: [Int64]) -> DoctorFinding {
        let condition = Doctor.orphan(SQL.quote(column), of: SQL.quote(table), parent: SQL.quote(parent),
                                      parentColumn: SQL.quote(parentColumn), db.dialect)
        return DoctorFinding(.orphanRows, table: table, column: column, count: count,
            "\(count) row(s) refer through \(column) to a \(parent) row that does not exist" + DoctorFinding.rowidNote(rowids, of: count),
            rowids: rowids, remedy: .statement("SELECT \(db.dialect.rowsWithNumber) FROM \(SQL.quote(table)) WHERE \(condition)"))
    }

    // MARK: AI members

    /// An AI member (user_id NULL) of a room that has an older one: what
    /// the repair removes, keeping each room's oldest.
    static let extraAIMember = "user_id IS NULL AND EXISTS (SELECT 1 FROM room_members AS o WHERE o.room_id = room_members.room_id "
        + "AND o.user_id IS NULL AND (o.joined_at < room_members.joined_at "
        + "OR (o.joined_at = room_members.joined_at AND o.id < room_members.id)))"

    /// Rooms with more than one AI member, through the (room_id, user_id) index.
    func aiMemberFindings() throws -> [DoctorFinding] {
        guard let row = try db.firstRow("""
            SELECT count(*), CAST(coalesce(sum(n - 1), 0) AS BIGINT) FROM
              (SELECT count(*) AS n FROM room_members WHERE user_id IS NULL GROUP BY room_id HAVING count(*) > 1) AS rooms
            """), case .integer(let rooms) = row[0], case .integer(let extra) = row[1], rooms > 0 else { return [] }
        let rowids = try sample("room_members", Doctor.extraAIMember, hasID: true)
        return [DoctorFinding(.duplicateAIMembers, table: "room_members", column: "user_id", count: extra,
            "\(rooms) room(s) have more than one AI member: \(extra) extra membership(s) beside each room's oldest"
                + DoctorFinding.rowidNote(rowids, of: extra), rowids: rowids, remedy: .repair)]
    }
}
