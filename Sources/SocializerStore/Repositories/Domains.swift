/// The value domains of SPEC §2, declared once. The database does not
/// enforce them (the running app sometimes writes values outside them, and
/// a CHECK constraint would break it): every repository validates them on
/// write, and whole-database checks (`doctor`, fixture loading) read them
/// from `ColumnDomain.all`.

/// `users.role`.
public enum UserRole: String, CaseIterable, Sendable {
    case admin, user
}

/// `training.status`.
public enum TrainingStatus: String, CaseIterable, Sendable {
    case pending, active, paused, completed
}

/// `chat_rooms.room_type`.
public enum RoomType: String, CaseIterable, Sendable {
    case direct, group, `private`
}

/// `room_members.role`.
public enum MemberRole: String, CaseIterable, Sendable {
    case creator, member, ai
}

/// `room_messages.sender_type`.
public enum SenderType: String, CaseIterable, Sendable {
    case user, ai, system
}

/// `room_messages.message_type`.
public enum MessageType: String, CaseIterable, Sendable {
    case text, invite, system
}

/// `room_invites.status`.
public enum InviteStatus: String, CaseIterable, Sendable {
    case pending, accepted, declined
}

/// The numeric ranges of SPEC §2.
public enum DomainRange {
    /// `user_skills.level`.
    public static let skillLevel: ClosedRange<Int64> = 0...10
    /// `training.progress`.
    public static let progress: ClosedRange<Double> = 0.0...1.0
    /// `user_preferences.confidence`.
    public static let confidence: ClosedRange<Double> = 0.0...1.0
    /// `users.temperature`.
    public static let temperature: ClosedRange<Double> = 0.0...2.0
}

/// One column's domain beyond its SQL type: an enumeration or a range.
/// BOOLEAN, DATE, DATETIME and JSON columns are known from the compiled
/// schema (`ColumnDomain.typed`).
public struct ColumnDomain: Sendable, Equatable {
    public enum Rule: Sendable, Equatable {
        case oneOf([String])
        case integers(ClosedRange<Int64>)
        case reals(ClosedRange<Double>)
        case boolean
        case date
        case datetime
        case json
    }

    public var table: String
    public var column: String
    public var rule: Rule

    public init(table: String, column: String, rule: Rule) {
        self.table = table
        self.column = column
        self.rule = rule
    }

    static func oneOf<E: RawRepresentable & CaseIterable>(_ table: String, _ column: String, _: E.Type) -> ColumnDomain
        where E.RawValue == String {
        ColumnDomain(table: table, column: column, rule: .oneOf(E.allCases.map(\.rawValue)))
    }

    /// The enumerated and ranged columns of SPEC §2.
    public static let enumerated: [ColumnDomain] = [
        oneOf("users", "role", UserRole.self),
        ColumnDomain(table: "users", column: "temperature", rule: .reals(DomainRange.temperature)),
        ColumnDomain(table: "user_skills", column: "level", rule: .integers(DomainRange.skillLevel)),
        oneOf("training", "status", TrainingStatus.self),
        ColumnDomain(table: "training", column: "progress", rule: .reals(DomainRange.progress)),
        ColumnDomain(table: "user_preferences", column: "confidence", rule: .reals(DomainRange.confidence)),
        oneOf("chat_rooms", "room_type", RoomType.self),
        oneOf("room_members", "role", MemberRole.self),
        oneOf("room_messages", "sender_type", SenderType.self),
        oneOf("room_messages", "message_type", MessageType.self),
        oneOf("room_invites", "status", InviteStatus.self),
    ]

    /// Every BOOLEAN, DATE, DATETIME and JSON column of the compiled schema.
    public static let typed: [ColumnDomain] = SchemaModel.tables.flatMap { table in
        table.columns.compactMap { column -> ColumnDomain? in
            let rule: Rule
            switch column.type {
            case "BOOLEAN": rule = .boolean
            case "DATE": rule = .date
            case "DATETIME": rule = .datetime
            case "JSON": rule = .json
            default: return nil
            }
            return ColumnDomain(table: table.name, column: column.name, rule: rule)
        }
    }

    /// Every column with a domain, enumerated ones first.
    public static let all: [ColumnDomain] = enumerated + typed
}
