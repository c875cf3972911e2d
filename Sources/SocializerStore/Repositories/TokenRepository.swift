import SocializerCore

/// One row of `token_blacklist`: a revoked JWT, kept until it expires.
public struct RevokedToken: Sendable, Equatable {
    public var id: Int64
    public var token: String
    public var expiresAt: Timestamp
    public var createdAt: Timestamp
    public var userID: Int64?
    public var username: String?
    public var reason: String?

    init(row: Row) throws {
        id = try row.int("id")
        token = try row.string("token")
        expiresAt = try row.timestamp("expires_at")
        createdAt = try row.timestamp("created_at")
        userID = try row.optionalInt("user_id")
        username = try row.optionalString("username")
        reason = try row.optionalString("reason")
    }

    /// `eyJhbGciOi…x4Yq9w`: enough to recognise, not enough to use.
    public var shortened: String { RevokedToken.shorten(token) }

    public static func shorten(_ token: String) -> String {
        token.count <= 24 ? token : String(token.prefix(12)) + "…" + String(token.suffix(8))
    }
}

/// All SQL for `token_blacklist`.
public struct TokenRepository {
    public let db: any Database
    public init(_ db: any Database) { self.db = db }

    static let select = """
        SELECT t.id, t.token, t.expires_at, t.created_at, t.user_id, u.username, t.reason
        FROM token_blacklist t LEFT JOIN users u ON u.id = t.user_id
        """

    public func find(token: String) throws -> RevokedToken? {
        try db.firstRow(TokenRepository.select + " WHERE t.token = ?", [token]).map(RevokedToken.init(row:))
    }

    public func require(id: Int64) throws -> RevokedToken {
        guard let row = try db.firstRow(TokenRepository.select + " WHERE t.id = ?", [id]) else {
            throw SocializerError.notFound("no revoked token has id \(id)")
        }
        return try RevokedToken(row: row)
    }

    /// Stores a revocation; returns the new row's id.
    public func insert(token: String, expiresAt: Timestamp, createdAt: Timestamp, userID: Int64?, reason: String?) throws -> Int64 {
        try db.insert("INSERT INTO token_blacklist (token, expires_at, created_at, user_id, reason) VALUES (?, ?, ?, ?, ?)",
                      [token, expiresAt.databaseText, createdAt.databaseText, userID, reason], returning: "id")
    }

    public enum Expiry: Sendable { case any, expired, active }

    /// Newest revocations first; `now` decides expired and active.
    public func list(userID: Int64?, expiry: Expiry, now: Timestamp, limit: Int64?, _ body: (RevokedToken) throws -> Void) throws {
        var select = SelectQuery(TokenRepository.select, order: "t.id DESC")
        if let userID { select.filter("t.user_id = ?", userID) }
        switch expiry {
        case .any: break
        case .expired: select.filter("t.expires_at < ?", now.databaseText)
        case .active: select.filter("t.expires_at >= ?", now.databaseText)
        }
        select.limit = limit
        try select.each(db, RevokedToken.init(row:), body)
    }

    /// Rows whose expiry has passed by `cutoff`: the cron job's purge.
    public static func purgeTarget(expiredBefore cutoff: Timestamp) -> PurgeTarget {
        PurgeTarget(table: "token_blacklist", condition: "expires_at < ?", arguments: [.text(cutoff.databaseText)],
                    orderBy: "expires_at")
    }
}
