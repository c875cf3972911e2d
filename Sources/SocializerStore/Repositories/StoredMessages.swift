import SocializerCore

/// `users.messages` as the app really fills it (SPEC §2): declared INTEGER
/// and documented as a counter, it holds 0 for new users and, once a user
/// has chatted, a JSON array (as text) of their latest messages. The stored
/// value is kept exactly as read, so a write that does not mean to change it
/// never rewrites it.
public struct StoredMessages: Sendable, Equatable {
    public let value: DatabaseValue

    public init(_ value: DatabaseValue) { self.value = value }

    /// A count, as the design document and new users have it.
    public static func count(_ n: Int64) -> StoredMessages { StoredMessages(.integer(n)) }

    /// The app's empty list, what `users messages USER --clear` writes.
    public static let emptyList = StoredMessages(.text("[]"))

    /// What `users messages USER --clear` writes on `dialect`'s engine: the
    /// app's empty list on SQLite, whose INTEGER column takes the app's
    /// JSON text; 0, the new user's count, on PostgreSQL, where the column
    /// is a real INTEGER (the app cannot store a list there either).
    public static func cleared(_ dialect: SQLDialect) -> StoredMessages {
        dialect.isPostgres ? .count(0) : .emptyList
    }

    /// A list of messages, stored as the app stores it: compact JSON text.
    public static func list(_ items: [JSONValue]) -> StoredMessages {
        StoredMessages(.text(JSONValue.array(items).compactText))
    }

    public enum Contents: Sendable, Equatable {
        case count(Int64)
        case list([JSONValue])
        /// Neither: text that is not a JSON array, a blob, NULL.
        case unreadable(String)
    }

    public var contents: Contents {
        switch value {
        case .integer(let n): return .count(n)
        case .real(let d) where d == d.rounded() && abs(d) < 9e18: return .count(Int64(d))
        case .text(let text):
            if let n = Int64(text) { return .count(n) }
            guard let parsed = try? JSONParser.parse(text) else { return .unreadable("text that is not JSON") }
            if case .array(let items) = parsed { return .list(items) }
            if case .integer(let n) = parsed { return .count(n) }
            return .unreadable("a JSON \(parsed.typeName), not a list")
        case .null: return .unreadable("NULL")
        case .real: return .unreadable("a fractional number")
        case .blob: return .unreadable("a blob")
        }
    }

    /// What `users list` and `show` print: the count, or how many messages
    /// the list holds; nil when the value is neither.
    public var count: Int64? {
        switch contents {
        case .count(let n): return n
        case .list(let items): return Int64(items.count)
        case .unreadable: return nil
        }
    }

    /// The value as a fixture or export holds it: a number, or the list itself.
    public var jsonValue: JSONValue {
        switch contents {
        case .count(let n): return .integer(n)
        case .list(let items): return .array(items)
        case .unreadable:
            if case .text(let text) = value { return .string(text) }
            return .null
        }
    }

    /// The value a fixture or import record gives: a whole number, or a list
    /// of messages (each an object, as the app writes them).
    public static func from(json: JSONValue) throws -> StoredMessages {
        switch json {
        case .integer(let n) where n >= 0: return .count(n)
        case .integer: throw SocializerError.invalid("messages cannot be negative")
        case .array(let items):
            guard items.allSatisfy({ $0.objectMembers != nil }) else {
                throw SocializerError.invalid("messages must be a count or a list of message objects")
            }
            return .list(items)
        default:
            throw SocializerError.invalid("messages must be a count or a list of message objects, not \(json.typeWithArticle)")
        }
    }
}

extension StoredMessages: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { value }
}
