import SocializerCore

/// One row of `error_logs`.
public struct ErrorLog: Sendable, Equatable {
    public var id: Int64
    public var timestamp: Timestamp
    public var userID: Int64?
    public var username: String?
    public var type: String
    public var message: String
    public var stackTrace: String?
    public var context: String?

    init(row: Row) throws {
        id = try row.int("id")
        timestamp = try row.timestamp("timestamp")
        userID = try row.optionalInt("user_id")
        username = try row.optionalString("username")
        type = try row.string("error_type")
        message = try row.string("error_message")
        stackTrace = try row.optionalString("stack_trace")
        context = try row.optionalString("context")
    }
}

/// Filters of `logs list` and `logs export`.
public struct LogQuery: Sendable {
    public var type: String?
    public var userID: Int64?
    public var since: Timestamp?
    public var until: Timestamp?
    public var grep: String?
    public var limit: Int64?
    public init() {}
}

/// All SQL for `error_logs`.
public struct LogRepository {
    public let db: any Database
    public init(_ db: any Database) { self.db = db }

    /// error_type is VARCHAR(100) in the app's model.
    public static let maximumTypeLength = 100

    static let select = """
        SELECT l.id, l.timestamp, l.user_id, u.username, l.error_type, l.error_message, l.stack_trace, l.context
        FROM error_logs l LEFT JOIN users u ON u.id = l.user_id
        """

    public func require(id: Int64) throws -> ErrorLog {
        guard let row = try db.firstRow(LogRepository.select + " WHERE l.id = ?", [id]) else {
            throw SocializerError.notFound("no error log has id \(id)")
        }
        return try ErrorLog(row: row)
    }

    /// Newest first, through the timestamp index.
    public func list(_ query: LogQuery, _ body: (ErrorLog) throws -> Void) throws {
        var select = SelectQuery(LogRepository.select, order: "l.timestamp DESC, l.id DESC")
        if let type = query.type { select.filter("l.error_type = ?", type) }
        if let userID = query.userID { select.filter("l.user_id = ?", userID) }
        if let since = query.since { select.filter("l.timestamp >= ?", since.databaseText) }
        if let until = query.until { select.filter("l.timestamp < ?", until.databaseText) }
        if let grep = query.grep { select.filter(columns: ["l.error_message", "l.stack_trace"], containing: grep) }
        select.limit = query.limit
        try select.each(db, ErrorLog.init(row:), body)
    }

    public func insert(timestamp: Timestamp, userID: Int64?, type: String, message: String, stackTrace: String?,
                       context: JSONValue?) throws -> Int64 {
        let type = try NameRules.validate(type, what: "error type")
        guard type.count <= LogRepository.maximumTypeLength else {
            throw SocializerError.invalid("the error type is \(type.count) characters long; at most \(LogRepository.maximumTypeLength) are allowed")
        }
        guard !message.trimmedSpaces.isEmpty else { throw SocializerError.invalid("the error message is empty") }
        return try db.insert("""
            INSERT INTO error_logs (timestamp, user_id, error_type, error_message, stack_trace, context)
            VALUES (?, ?, ?, ?, ?, ?)
            """, [timestamp.databaseText, userID, type, message, stackTrace, context?.compactText], returning: "id")
    }

    public enum Grouping: String, CaseIterable, Sendable { case type, day, user }

    /// Counts per type, day or user since an instant, largest first (days: newest first).
    public func stats(by grouping: Grouping, since: Timestamp?, _ body: (String, Int64) throws -> Void) throws {
        let key: String
        let order: String
        switch grouping {
        case .type: key = "l.error_type"; order = "n DESC, \(db.dialect.bytewise(key))"
        case .day: key = db.dialect.dateOf("l.timestamp"); order = "k DESC"
        case .user: key = "coalesce(u.username, '(none)')"; order = "n DESC, \(db.dialect.bytewise(key))"
        }
        // Rows without a timestamp are left out, with or without --since.
        try db.forEachRow("""
            SELECT \(key) AS k, count(*) AS n FROM error_logs l LEFT JOIN users u ON u.id = l.user_id
            WHERE \(since == nil ? "l.timestamp IS NOT NULL" : "l.timestamp >= ?") GROUP BY \(key) ORDER BY \(order)
            """, since.map { [$0.databaseText] } ?? []) { try body(try $0.string("k"), try $0.int("n")) }
    }

    public static func purgeTarget(before cutoff: Timestamp, type: String?) -> PurgeTarget {
        if let type {
            return PurgeTarget(table: "error_logs", condition: "timestamp < ? AND error_type = ?",
                               arguments: [.text(cutoff.databaseText), .text(type)], orderBy: "timestamp")
        }
        return PurgeTarget(table: "error_logs", condition: "timestamp < ?", arguments: [.text(cutoff.databaseText)],
                           orderBy: "timestamp")
    }
}
