import SocializerCore

/// One row of `user_preferences`: an AI-learned preference, TYPE.KEY → JSON.
public struct Preference: Sendable, Equatable {
    public var id: Int64
    public var userID: Int64
    public var type: String
    public var key: String
    public var value: JSONValue
    public var confidence: Double
    public var lastUpdated: String

    init(row: Row) throws {
        id = try row.int("id")
        userID = try row.int("user_id")
        type = try row.string("preference_type")
        key = try row.string("preference_key")
        let text = try row.string("preference_value")
        value = (try? JSONParser.parse(text)) ?? .string(text)
        confidence = try row.double("confidence")
        lastUpdated = try row.string("last_updated")
    }
}

/// All SQL for `user_preferences`.
public struct PreferenceRepository {
    public let db: any Database
    public init(_ db: any Database) { self.db = db }

    public func list(userID: Int64, type: String?, _ body: (Preference) throws -> Void) throws {
        try db.forEachRow("""
            SELECT id, user_id, preference_type, preference_key, preference_value, confidence, last_updated
            FROM user_preferences WHERE user_id = ?\(type == nil ? "" : " AND preference_type = ?")
            ORDER BY \(db.dialect.bytewise("preference_type")), \(db.dialect.bytewise("preference_key"))
            """, [userID] + (type.map { [$0] } ?? [])) { try body(Preference(row: $0)) }
    }

    /// Inserts or replaces TYPE.KEY for the user; returns the row id.
    public func set(userID: Int64, type: String, key: String, value: JSONValue, confidence: Double,
                    today: String) throws -> Int64 {
        guard confidence.isFinite, DomainRange.confidence.contains(confidence) else {
            throw SocializerError.invalid("confidence \(confidence) is outside 0.0 to 1.0")
        }
        let type = try NameRules.validate(type, what: "preference type")
        let key = try NameRules.validate(key, what: "preference key")
        if let existing = try db.firstRow(
            "SELECT id FROM user_preferences WHERE user_id = ? AND preference_type = ? AND preference_key = ?",
            [userID, type, key]) {
            let id = try existing.int("id")
            try db.execute("UPDATE user_preferences SET preference_value = ?, confidence = ?, last_updated = ? WHERE id = ?",
                           [value.compactText, confidence, today, id])
            return id
        }
        return try db.insert("""
            INSERT INTO user_preferences (user_id, preference_type, preference_key, preference_value, confidence, last_updated)
            VALUES (?, ?, ?, ?, ?, ?)
            """, [userID, type, key, value.compactText, confidence, today], returning: "id")
    }

    /// Removes TYPE.KEY; 66 when the user has no such preference.
    public func unset(userID: Int64, username: String, type: String, key: String) throws -> Int64 {
        guard let row = try db.firstRow(
            "SELECT id FROM user_preferences WHERE user_id = ? AND preference_type = ? AND preference_key = ?",
            [userID, type, key]) else {
            throw SocializerError.notFound("user '\(username)' has no preference \(Echo.cut(type)).\(Echo.cut(key))")
        }
        let id = try row.int("id")
        try db.execute("DELETE FROM user_preferences WHERE id = ?", [id])
        return id
    }
}
