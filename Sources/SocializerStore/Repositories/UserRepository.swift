import SocializerCore
import SocializerSecurity

/// All SQL for `users`. Works on every schema version from the app's own
/// (0001, no SQL defaults: every column is written explicitly) onwards.
/// Written once for both engines (`Database`).
public struct UserRepository {
    public let db: any Database

    public init(_ db: any Database) { self.db = db }

    // MARK: Reading

    static let byIDSQL = "SELECT \(User.columns) FROM users WHERE id = ?"
    static let byNameSQL = "SELECT \(User.columns) FROM users WHERE username = ?"

    /// Users by id or username (unique, so never ambiguous). Fixed SQL: a
    /// bulk import looks a name up once per record.
    var lookup: EntityLookup<User> {
        EntityLookup(kind: "user",
            byID: { id in try db.firstRow(UserRepository.byIDSQL, [id]).map(User.init(row:)) },
            byName: { name in try db.firstRow(UserRepository.byNameSQL, [name]).map { [try User(row: $0)] } ?? [] },
            candidate: { "id \($0.id): \($0.username)" })
    }

    public func find(_ reference: UserReference) throws -> User? {
        // Usernames are unique, so no ambiguity to check: straight to the index (a bulk import asks once per record).
        switch reference {
        case .id(let id): return try db.firstRow(UserRepository.byIDSQL, [id]).map(User.init(row:))
        case .name(let name): return try db.firstRow(UserRepository.byNameSQL, [name]).map(User.init(row:))
        }
    }

    public func require(_ reference: UserReference) throws -> User { try lookup.require(reference) }

    /// The user whose stored `hashed_email` is exactly this value.
    public func find(hashedEmail: String) throws -> User? {
        try db.firstRow("SELECT \(User.columns) FROM users WHERE hashed_email = ?", [hashedEmail]).map(User.init(row:))
    }

    public func usernameExists(_ name: String, excluding id: Int64? = nil) throws -> Bool {
        try db.scalarInt("SELECT count(*) FROM users WHERE username = ? AND id \(db.dialect.isDistinctFrom) ?", [name, id]) > 0
    }

    // MARK: Emails

    /// The app's older salted bcrypt email hashes: every value from `$2` up
    /// to `$3`, a range the hashed_email index answers (LIKE cannot use it,
    /// being case-insensitive).
    static func legacyEmailSQL(_ dialect: SQLDialect) -> String {
        let column = dialect.bytewise("hashed_email")
        return "SELECT id, hashed_email FROM users WHERE \(column) >= '$2' AND \(column) < '$3' ORDER BY id"
    }

    public typealias LegacyEmailHash = (id: Int64, hash: String)

    /// The legacy bcrypt email hashes, read once by callers that look up many
    /// addresses (import) and passed to `usersWithEmail`.
    public func legacyEmailHashes() throws -> [LegacyEmailHash] {
        try db.rows(UserRepository.legacyEmailSQL(db.dialect))
            .map { (id: try $0.int("id"), hash: try $0.string("hashed_email")) }
            .filter { EmailHasher.isLegacyBcrypt($0.hash) }
    }

    /// The users holding a keyed hash (`hmac-sha256:…`): an index range.
    static func keyedEmailCountSQL(_ dialect: SQLDialect) -> String {
        let column = dialect.bytewise("hashed_email")
        return "SELECT count(*) FROM users WHERE \(column) >= 'hmac-sha256:' AND \(column) < 'hmac-sha256;'"
    }

    /// Exact stored forms (keyed hash, SHA-256 digests): the UNIQUE index.
    static func exactEmailSQL(_ count: Int) -> String {
        "SELECT \(User.columns) FROM users WHERE hashed_email IN (\(SQL.placeholders(count)))"
    }

    /// Addresses as typed: 0004's index on the same expression.
    static func plainEmailSQL(_ count: Int) -> String {
        "SELECT \(User.columns) FROM users WHERE lower(trim(hashed_email)) IN (\(SQL.placeholders(count)))"
    }

    public func keyedEmailCount() throws -> Int64 {
        try db.scalarInt(UserRepository.keyedEmailCountSQL(db.dialect))
    }

    /// The users whose stored email is `address` in any form the app or the
    /// tool has written (SPEC §2), ordered by id. Exact forms go through the
    /// UNIQUE index on hashed_email, plain text through 0004's index on
    /// `lower(trim(hashed_email))`; the app's salted bcrypt hashes are tried
    /// on all cores unless `checkBcrypt` is false (the caller checked them).
    /// Without an email key, keyed hashes cannot be compared: if any exist
    /// and nothing else matched, that is a configuration error.
    public func usersWithEmail(_ address: String, lookup: EmailLookup, legacy known: [LegacyEmailHash]? = nil,
                               checkBcrypt: Bool = true) throws -> [User] {
        let exact = lookup.exactValues(address)
        let plain = lookup.plainKeys(address)
        var found = try db.rows(UserRepository.exactEmailSQL(exact.count), exact.map { $0 }).map(User.init(row:))
        found += try db.rows(UserRepository.plainEmailSQL(plain.count), plain.map { $0 }).map(User.init(row:))
        if checkBcrypt {
            let legacy = try known ?? legacyEmailHashes()
            for index in try bcryptMatches([address], legacy, lookup: lookup)[0] {
                found.append(try require(.id(legacy[index].id)))
            }
        }
        var seen = Set<Int64>()
        found = found.filter { seen.insert($0.id).inserted }.sorted { $0.id < $1.id }
        if found.isEmpty, lookup.hasher == nil, try keyedEmailCount() > 0 {
            throw SocializerError.configuration(
                "no email key is configured, and some users' emails are keyed hashes that only the key can match",
                hint: "set $\(SecurityConfiguration.emailKeyVariable) to the key those hashes were made with")
        }
        return found
    }

    /// For each address, the indexes into `legacy` whose bcrypt hash is that
    /// address: one bcrypt per (address, hash) pair, the pairs spread over
    /// all cores (bcrypt is slow on purpose), in rounds of a few dozen so
    /// that `progress(done, total)` can be reported between rounds.
    public func bcryptMatches(_ addresses: [String], _ legacy: [LegacyEmailHash], lookup: EmailLookup,
                              progress: ((Int, Int) -> Void)? = nil) throws -> [[Int]] {
        guard !legacy.isEmpty, !addresses.isEmpty else { return addresses.map { _ in [] } }
        let hashes = legacy.map(\.hash)
        let total = addresses.count * hashes.count
        var matched: [Bool] = []
        matched.reserveCapacity(total)
        while matched.count < total {
            let start = matched.count
            let round = min(64, total - start)
            matched += try Bcrypt.concurrentMap(round) { offset in
                let pair = start + offset
                return try lookup.matchesBcrypt(addresses[pair / hashes.count], stored: hashes[pair % hashes.count])
            }
            progress?(matched.count, total)
        }
        return addresses.indices.map { a in hashes.indices.filter { matched[a * hashes.count + $0] } }
    }

    /// Whether some other user already has this address, in any form.
    public func emailTaken(_ address: String, lookup: EmailLookup, excluding id: Int64? = nil) throws -> Bool {
        try usersWithEmail(address, lookup: lookup).contains { $0.id != id }
    }

    /// Streams the users a query selects; memory stays flat.
    public func list(_ query: UserQuery, _ body: (User) throws -> Void) throws {
        let order = "\(query.sort.sqlExpression(db.dialect)) \(query.descending ? "DESC" : "ASC")" + (query.sort == .id ? "" : ", id")
        var select = SelectQuery("SELECT \(User.columns) FROM users", order: order)
        if let role = query.role { select.filter("role = ?", role) }
        if let active = query.active { select.filter("is_active = ?", active) }
        if let search = query.search { select.filter(columns: ["username"], containing: search) }
        select.limit = query.limit
        select.offset = query.offset
        try select.each(db, User.init(row:), body)
    }

    // MARK: Writing

    /// Every column but id, in `User.columnValues` order; built once.
    static let insertColumns: [String] =
        User(username: "", hashedPassword: "", hashedEmail: "", memberSince: "", encryptionKey: nil).columnValues.map(\.column)

    static let insertSQL =
        "INSERT INTO users (\(insertColumns.joined(separator: ", "))) VALUES (\(SQL.placeholders(insertColumns.count)))"

    /// Inserts a complete row; returns its id. A duplicate username is
    /// reported as such, never in SQLite's words.
    public func insert(_ user: User) throws -> Int64 {
        try User.validate(role: user.role)
        try User.validate(temperature: user.temperature)
        // A taken username or email fails the UNIQUE constraint, translated below: no lookup first.
        do {
            return try db.insert(UserRepository.insertSQL, user.columnValues.map(\.value), returning: "id")
        } catch let error as any DatabaseFailure where error.isUniqueConstraint {
            // SQLite names the column, PostgreSQL the constraint (users_hashed_email_key): both hold its name.
            if error.message.contains("hashed_email") {
                throw SocializerError.invalid("a user with that email already exists")
            }
            throw SocializerError.invalid("user '\(user.username)' already exists")
        }
    }

    /// Writes the columns of `user` that differ from `original` (the row as
    /// read), and nothing else: a column the change did not touch, such as
    /// the app's JSON in `messages`, is never rewritten.
    public func update(_ user: User, from original: User) throws {
        precondition(user.id == original.id, "update compares a user with its own row")
        let changed = zip(user.columnValues, original.columnValues).filter { $0.0.value != $0.1.value }.map(\.0)
        guard !changed.isEmpty else { return }
        if changed.contains(where: { $0.column == "role" }) { try User.validate(role: user.role) }
        if changed.contains(where: { $0.column == "temperature" }) { try User.validate(temperature: user.temperature) }
        if user.username != original.username, try usernameExists(user.username, excluding: user.id) {
            throw SocializerError.invalid("user '\(user.username)' already exists")
        }
        let assignments = changed.map { "\($0.column) = ?" }.joined(separator: ", ")
        do {
            try db.execute("UPDATE users SET \(assignments) WHERE id = ?", changed.map(\.value) + [user.id])
        } catch let error as any DatabaseFailure where error.isUniqueConstraint {
            throw SocializerError.invalid(error.message.contains("hashed_email")
                ? "a user with that email already exists" : "user '\(user.username)' already exists")
        }
    }

    /// A unique stand-in for users without an email address.
    public static func noEmailPlaceholder() throws -> String {
        EmailFormat.noEmailPrefix + Hex.encode(try SecureRandom.bytes(12))
    }

    // MARK: Deleting

    /// Removes the user and everything that refers to them, through the
    /// database's own references (see `ReferenceCascade` for the rule), and
    /// returns the rows deleted and detached per table. The rooms they
    /// created go through the room cascade (`RoomRepository.deleteRooms`,
    /// which the walk hands `chat_rooms` to): their invites, messages and
    /// members first. Run it inside a transaction. With `keepLogs`, error
    /// logs stay with user_id NULL.
    public func deleteCascading(_ id: Int64, keepLogs: Bool) throws -> [ReferenceCascade.Count] {
        var cascade = try ReferenceCascade(db, detach: keepLogs ? [.init("error_logs", "user_id")] : [])
        try cascade.delete(from: "users", where: "id = ?", [id])
        return cascade.counts
    }
}
