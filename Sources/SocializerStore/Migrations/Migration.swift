import SocializerSecurity

/// One numbered, named schema change compiled into the binary, in each
/// engine's SQL: the same change, generated from the same schema model.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    /// SQLite's statements.
    public let upStatements: [String]
    /// nil when the migration cannot be undone statement by statement.
    public let downStatements: [String]?
    /// Rebuilds tables on SQLite: runs with foreign keys off and checks them before commit.
    public let rebuildsTables: Bool
    /// PostgreSQL's statements.
    public let postgresUpStatements: [String]
    public let postgresDownStatements: [String]?

    init(version: Int, name: String, upStatements: [String], downStatements: [String]?, rebuildsTables: Bool,
         postgresUp: [String]? = nil, postgresDown: [String]?? = nil) {
        self.version = version
        self.name = name
        self.upStatements = upStatements
        self.downStatements = downStatements
        self.rebuildsTables = rebuildsTables
        // Most statements (indexes, drops) are written the same for both engines.
        postgresUpStatements = postgresUp ?? upStatements
        postgresDownStatements = postgresDown ?? downStatements
    }

    public func upStatements(_ engine: DatabaseLocation.Engine) -> [String] {
        engine == .postgres ? postgresUpStatements : upStatements
    }

    public func downStatements(_ engine: DatabaseLocation.Engine) -> [String]? {
        engine == .postgres ? postgresDownStatements : downStatements
    }

    /// SHA-256 of the engine's up SQL, recorded when applied.
    public func checksum(_ engine: DatabaseLocation.Engine) -> String { Digest.sha256Hex(upSQL(engine)) }

    public func upSQL(_ engine: DatabaseLocation.Engine) -> String { upStatements(engine).map { $0 + ";\n" }.joined() }

    public var identifier: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name
    }

    /// SHA-256 of the up SQL, recorded when applied; `validate` compares it.
    public var checksum: String { Digest.sha256Hex(upSQL) }

    public var upSQL: String { upStatements.map { $0 + ";\n" }.joined() }
    public var downSQL: String? { downStatements.map { $0.map { $0 + ";\n" }.joined() } }
}

public enum Migrations {
    public static let all: [Migration] = [initial, defaultsAndCascades, indexes, emailLookup, adminAudit, purgeIndexes, senderIndexes]

    /// The newest version, known without building every migration's SQL
    /// (start-up reads it for the command table); a test keeps it equal to
    /// `all.last!.version`.
    public static let latestVersion = 7

    public static func migration(_ version: Int) -> Migration? { all.first { $0.version == version } }

    /// The version a database is at just before `version` is applied: the
    /// migration before it in `all`, 0 for the first. Numbers are assigned
    /// to parallel work up front, so they need not be consecutive.
    public static func version(before version: Int) -> Int {
        all.last { $0.version < version }?.version ?? 0
    }

    /// The twelve tables exactly as the app creates them.
    static let initial = Migration(
        version: 1, name: "initial",
        upStatements: SchemaDDL.legacySchema(),
        downStatements: SchemaModel.tables.reversed().map { "DROP TABLE \($0.name)" },
        rebuildsTables: false,
        postgresUp: SchemaDDL.legacySchema(.postgres))

    /// SQL defaults for every column and ON DELETE CASCADE on every reference.
    static let defaultsAndCascades = Migration(
        version: 2, name: "defaults_and_cascades",
        upStatements: SchemaDDL.rebuild(into: .current),
        downStatements: SchemaDDL.rebuild(into: .legacy),
        rebuildsTables: true,
        postgresUp: PostgresDDL.alter(into: .current), postgresDown: PostgresDDL.alter(into: .legacy))

    /// Indexes for the admin queries and the purges.
    static let indexes = Migration(
        version: 3, name: "indexes",
        upStatements: SchemaModel.adminIndexes.map { SchemaDDL.createIndex($0.index, on: $0.table) },
        downStatements: SchemaModel.adminIndexes.map { "DROP INDEX \($0.index.name)" },
        rebuildsTables: false)

    /// Lookups of the addresses the app's registration stores as typed,
    /// compared trimmed and case-insensitively (SPEC §6).
    static let emailLookup = Migration(
        version: 4, name: "email_lookup",
        upStatements: ["CREATE INDEX \(SchemaModel.emailLookupIndex) ON users (lower(trim(hashed_email)))"],
        downStatements: ["DROP INDEX \(SchemaModel.emailLookupIndex)"],
        rebuildsTables: false)

    /// The audit trail (issue 17): `admin_audit` and its index on `at`, which
    /// `audit list` walks newest first and `audit purge` oldest first. The
    /// issue named it 0004; 0004 was taken by the email lookups first.
    static let adminAudit = Migration(
        version: 5, name: "admin_audit",
        upStatements: [SchemaDDL.createTable(SchemaModel.adminAudit, form: .current)]
            + SchemaModel.adminAudit.indexes.map { SchemaDDL.createIndex($0, on: SchemaModel.adminAudit.name) },
        downStatements: ["DROP TABLE \(SchemaModel.adminAudit.name)"],
        rebuildsTables: false,
        postgresUp: [SchemaDDL.createTable(SchemaModel.adminAudit, form: .current, engine: .postgres)]
            + SchemaModel.adminAudit.indexes.map { SchemaDDL.createIndex($0, on: SchemaModel.adminAudit.name) })

    /// Indexes the purges and cascades need: room_invites(message_id), which
    /// deleting room messages (purges, room deletes, users delete) looks up
    /// for every message (ON DELETE SET NULL), a scan of room_invites per
    /// message without it; and training(completed_at), which `training
    /// purge` walks oldest first.
    static let purgeIndexes = Migration(
        version: 6, name: "purge_indexes",
        upStatements: SchemaModel.purgeIndexes.map { SchemaDDL.createIndex($0.index, on: $0.table) },
        downStatements: SchemaModel.purgeIndexes.map { "DROP INDEX \($0.index.name)" },
        rebuildsTables: false)

    /// Indexes on the sender of a room message and of an invite: a person's
    /// rows are found without reading the whole table (`users takeout`,
    /// `users delete`, `rooms messages list --from`).
    static let senderIndexes = Migration(
        version: 7, name: "sender_indexes",
        upStatements: SchemaModel.senderIndexes.map { SchemaDDL.createIndex($0.index, on: $0.table) },
        downStatements: SchemaModel.senderIndexes.map { "DROP INDEX \($0.index.name)" },
        rebuildsTables: false)
}

extension Migrations {
    /// The tables and indexes that the compiled migrations up to `version`
    /// leave in a database, read off their own statements (CREATE, DROP and
    /// RENAME, in order), so that a new migration is known here without
    /// being listed twice. Indexes map to their table and the statement
    /// that creates them.
    public static func schemaObjects(upTo version: Int) -> (tables: Set<String>, indexes: [String: (table: String, statement: String)]) {
        var tables = Set<String>()
        var indexes: [String: (table: String, statement: String)] = [:]
        for migration in all where migration.version <= version {
            for statement in migration.upStatements {
                let words = statement.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
                func word(_ i: Int) -> String { i < words.count ? words[i].uppercased() : "" }
                func name(_ i: Int) -> String {
                    guard i < words.count else { return "" }
                    return String(words[i].prefix { $0 != "(" })
                }
                switch (word(0), word(1)) {
                case ("CREATE", "TABLE"):
                    tables.insert(name(word(2) == "IF" ? 5 : 2))
                case ("CREATE", "INDEX"), ("CREATE", "UNIQUE"):
                    var i = word(1) == "UNIQUE" ? 3 : 2
                    if word(i) == "IF" { i += 3 }
                    if word(i + 1) == "ON" { indexes[name(i)] = (name(i + 2), statement) }
                case ("DROP", "TABLE"):
                    let table = name(2)
                    tables.remove(table)
                    indexes = indexes.filter { $0.value.table != table }
                case ("DROP", "INDEX"):
                    indexes[name(2)] = nil
                case ("ALTER", "TABLE") where word(3) == "RENAME" && word(4) == "TO":
                    let (old, new) = (name(2), name(5))
                    if tables.remove(old) != nil { tables.insert(new) }
                    indexes = indexes.mapValues { $0.table == old ? (new, $0.statement) : $0 }
                default:
                    break
                }
            }
        }
        return (tables, indexes)
    }
}
