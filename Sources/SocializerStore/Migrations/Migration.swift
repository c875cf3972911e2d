import SocializerSecurity

/// One numbered, named schema change compiled into the binary.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let upStatements: [String]
    /// nil when the migration cannot be undone statement by statement.
    public let downStatements: [String]?
    /// Rebuilds tables: runs with foreign keys off and checks them before commit.
    public let rebuildsTables: Bool

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
    public static let all: [Migration] = [initial, defaultsAndCascades, indexes, emailLookup, inviteMessageIndex]

    /// The newest version, known without building every migration's SQL
    /// (start-up reads it for the command table); a test keeps it equal to
    /// `all.last!.version`.
    public static let latestVersion = 6

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
        rebuildsTables: false)

    /// SQL defaults for every column and ON DELETE CASCADE on every reference.
    static let defaultsAndCascades = Migration(
        version: 2, name: "defaults_and_cascades",
        upStatements: SchemaDDL.rebuild(into: .current),
        downStatements: SchemaDDL.rebuild(into: .legacy),
        rebuildsTables: true)

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

    /// An index on room_invites(message_id): deleting room messages (purges,
    /// room deletes, users delete) looks up the invites that point at each
    /// one, which without it is a scan of room_invites per message.
    static let inviteMessageIndex = Migration(
        version: 6, name: "invite_message_index",
        upStatements: [SchemaDDL.createIndex(SchemaModel.inviteMessageIndex, on: "room_invites")],
        downStatements: ["DROP INDEX \(SchemaModel.inviteMessageIndex.name)"],
        rebuildsTables: false)
}
