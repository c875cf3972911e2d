import SocializerCore

/// The table groups of a fixture (SPEC §7), named after their tables, in
/// the order a fixture lists them and a load needs them: every group comes
/// after the groups it refers to. `admin_audit` and the ledger
/// `schema_migrations` are not data of the app and are not groups.
public enum FixtureGroup: String, CaseIterable, Sendable, Comparable {
    case users
    case skills
    case userSkills = "user_skills"
    case training
    case userPreferences = "user_preferences"
    case chatRooms = "chat_rooms"
    case roomMembers = "room_members"
    case roomMessages = "room_messages"
    case roomInvites = "room_invites"
    case generalChatMessages = "general_chat_messages"
    case tokenBlacklist = "token_blacklist"
    case errorLogs = "error_logs"

    /// The table the group's records go to.
    public var table: String { rawValue }

    public static func < (a: FixtureGroup, b: FixtureGroup) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The group's schema (fields, SQL); `users` has its own record type
    /// (`UserRecord`) and is described here for its references only.
    public var schema: FixtureTable { FixtureTable.all[FixtureGroup.allCases.firstIndex(of: self)!] }
}

/// What a natural key names: records refer to each other by these, never
/// by ids (SPEC §7).
public enum KeySpace: String, Sendable {
    /// A username.
    case user
    /// A skill name.
    case skill
    /// A room's fixture-local `key`.
    case room
    /// A room message's fixture-local `key`.
    case message

    static func of(table: String) -> KeySpace? {
        switch table {
        case "users": return .user
        case "skills": return .skill
        case "chat_rooms": return .room
        case "room_messages": return .message
        default: return nil
        }
    }
}

/// One field of a fixture record: a column under its own name, a reference
/// (`X_id` written as `X` holding a natural key), or a record's own `key`.
public final class FixtureField: Sendable {
    public enum Kind: Sendable, Equatable {
        /// Text; `name` applies the name rules (no control characters, at
        /// most 255 characters, not blank), `maxLength` a column's width.
        case text(name: String?, maxLength: Int?)
        case integer(ClosedRange<Int64>?)
        case real(ClosedRange<Double>?)
        case boolean
        case date
        case datetime
        case json
        case oneOf([String])
        case reference(KeySpace)
        /// The record's fixture-local key (no column).
        case key(KeySpace)
    }

    /// What a record that leaves the field out gets.
    public enum Default: Sendable, Equatable {
        /// Nothing: the field must be given.
        case required
        case null
        case value(DatabaseValue)
        /// The load's instant (DATETIME).
        case now
        /// The load's date (DATE).
        case today
    }

    public let name: String
    /// nil for a record's `key`.
    public let column: String?
    public let kind: Kind
    public let nullable: Bool
    public let defaultValue: Default
    /// Left out of dumps and exports unless secrets are asked for.
    public let secret: Bool

    init(name: String, column: String?, kind: Kind, nullable: Bool, defaultValue: Default, secret: Bool) {
        self.name = name
        self.column = column
        self.kind = kind
        self.nullable = nullable
        self.defaultValue = defaultValue
        self.secret = secret
    }
}

/// One table group's record schema, derived from the compiled schema
/// (`SchemaModel`) and the domain catalogue (`ColumnDomain`), plus the few
/// rules neither states (documented in socializer-seed(1)): which text is a
/// name, which default the app writes where the schema has none, and
/// which columns are secrets. The loader, the dumper and the generator all
/// read it, so a column is described once.
public struct FixtureTable: Sendable {
    public let group: FixtureGroup
    public let fields: [FixtureField]
    /// The columns a unique constraint keeps distinct (a record that
    /// matches a stored row on them "already exists"); empty when nothing
    /// does (rooms, messages, logs, general chat are always added).
    public let naturalKey: [String]
    /// The key space the table's own rows are named in, and by which field.
    public let names: (space: KeySpace, field: String)?

    public var table: String { group.table }
    /// The written columns, in field order.
    public var columns: [String] { fields.compactMap(\.column) }

    public func field(_ name: String) -> FixtureField? { fields.first { $0.name == name } }

    public var insertSQL: String {
        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(SQL.placeholders(columns.count)))"
    }

    public var updateSQL: String { updateSQL(rowIs: "rowid = ?") }

    /// The UPDATE of every column of the row `condition` names (its `?` last).
    func updateSQL(rowIs condition: String) -> String {
        "UPDATE \(table) SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE \(condition)"
    }

    /// The stored row a record's natural key matches.
    public var conflictSQL: String { conflictSQL(rowKey: "rowid") }

    /// The `rowKey` of the stored row a record's natural key matches.
    func conflictSQL(rowKey: String) -> String {
        "SELECT \(rowKey) FROM \(table) WHERE " + naturalKey.map { "\($0) = ?" }.joined(separator: " AND ")
    }

    /// Whether the table has an `id` column (all but training, keyed by its columns).
    var hasID: Bool { SchemaModel.hasID(table) }

    /// The text columns that hold names, and the word messages use for them.
    static let nameColumns: [String: String] = [
        "skills.skill_name": "skill name", "chat_rooms.name": "room name",
        "user_preferences.preference_type": "preference type", "user_preferences.preference_key": "preference key",
        "error_logs.error_type": "error type",
    ]

    /// Defaults the app writes where the schema has none (SPEC §2: a
    /// message's metadata is `{}` when it has none).
    static let appDefaults: [String: FixtureField.Default] = [
        "room_messages.message_metadata": .value(.text("{}")),
        // A member's user must be said: null is the AI, not "forgotten".
        "room_members.user_id": .required,
    ]

    /// Columns that hold secrets: room passwords are kept as the app
    /// compares them, in plain text (SPEC §4 lists them among the secrets).
    static let secretColumns: Set<String> = ["chat_rooms.password"]

    static func kind(table: TableModel, column: ColumnModel) -> FixtureField.Kind {
        if let fk = table.foreignKeys.first(where: { $0.column == column.name }), let space = KeySpace.of(table: fk.table) {
            return .reference(space)
        }
        if let domain = ColumnDomain.enumerated.first(where: { $0.table == table.name && $0.column == column.name }) {
            switch domain.rule {
            case .oneOf(let values): return .oneOf(values)
            case .integers(let range): return .integer(range)
            case .reals(let range): return .real(range)
            default: break
            }
        }
        switch column.type {
        case "INTEGER": return .integer(nil)
        case "FLOAT": return .real(nil)
        case "BOOLEAN": return .boolean
        case "DATE": return .date
        case "DATETIME": return .datetime
        case "JSON": return .json
        default:
            let width = column.type.hasPrefix("VARCHAR(") ? Int(column.type.dropFirst(8).dropLast()) : nil
            return .text(name: nameColumns["\(table.name).\(column.name)"], maxLength: width)
        }
    }

    static func defaultValue(table: TableModel, column: ColumnModel) -> FixtureField.Default {
        if let given = appDefaults["\(table.name).\(column.name)"] { return given }
        guard let sql = column.defaultSQL else { return column.notNull ? .required : .null }
        if sql == SchemaModel.now { return .now }
        if sql == SchemaModel.today { return .today }
        if sql.hasPrefix("'") { return .value(.text(String(sql.dropFirst().dropLast()))) }
        if let integer = Int64(sql) { return .value(.integer(integer)) }
        if let real = Double(sql) { return .value(.real(real)) }
        preconditionFailure("default \(sql) of \(table.name).\(column.name) has no fixture form")
    }

    static func derive(_ group: FixtureGroup) -> FixtureTable {
        let model = SchemaModel.table(group.table)!
        var fields: [FixtureField] = []
        let own = KeySpace.of(table: group.table)
        if let own, own == .room || own == .message {
            fields.append(FixtureField(name: "key", column: nil, kind: .key(own), nullable: true, defaultValue: .null, secret: false))
        }
        for column in model.columns where column.name != "id" {
            let kind = kind(table: model, column: column)
            var name = column.name
            if case .reference = kind { name = String(column.name.dropLast(3)) }
            fields.append(FixtureField(name: name, column: column.name, kind: kind, nullable: !column.notNull,
                                       defaultValue: defaultValue(table: model, column: column),
                                       secret: secretColumns.contains("\(model.name).\(column.name)")))
        }
        var naturalKey: [String] = []
        if let unique = model.uniques.first {
            naturalKey = unique.columns
        } else if !model.primaryKey.isEmpty && model.primaryKey != ["id"] {
            naturalKey = model.primaryKey
        } else if let index = model.indexes.first(where: \.unique) {
            naturalKey = index.columns
        }
        let names: (KeySpace, String)?
        switch own {
        case .user?: names = (.user, "username")
        case .skill?: names = (.skill, "skill_name")
        case .room?, .message?: names = (own!, "key")
        case nil: names = nil
        }
        return FixtureTable(group: group, fields: fields, naturalKey: naturalKey, names: names)
    }

    /// Every group's schema, in `FixtureGroup.allCases` order.
    public static let all: [FixtureTable] = FixtureGroup.allCases.map(derive)
}
