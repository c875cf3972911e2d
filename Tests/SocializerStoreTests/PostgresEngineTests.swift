import Testing
import SocializerCore
import SocializerSecurity
@testable import SocializerStore
import TestSupport

/// The engine seam's SQL rewriting, which needs no server.
@Suite struct SQLDialectTests {
    @Test func placeholdersAreNumberedOutsideLiteralsIdentifiersAndComments() {
        #expect(SQLDialect.numberingPlaceholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)")
                == "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)")
        #expect(SQLDialect.numberingPlaceholders("SELECT '?', 'it''s ?', \"odd?\" FROM t WHERE x = ?")
                == "SELECT '?', 'it''s ?', \"odd?\" FROM t WHERE x = $1")
        #expect(SQLDialect.numberingPlaceholders("SELECT 1 -- why?\nFROM t /* and ? */ WHERE y = ?")
                == "SELECT 1 -- why?\nFROM t /* and ? */ WHERE y = $1")
        // Already numbered (PostgreSQL's own form): unchanged.
        #expect(SQLDialect.numberingPlaceholders("SELECT $1::int") == "SELECT $1::int")
        #expect(SQLDialect.numberingPlaceholders("SELECT 'unterminated ?") == "SELECT 'unterminated ?")
    }

    @Test func theFragmentsThatDiffer() {
        #expect(SQLDialect.sqlite.caseInsensitiveLike == "LIKE" && SQLDialect.postgres.caseInsensitiveLike == "ILIKE")
        #expect(SQLDialect.sqlite.bytewise("name") == "name" && SQLDialect.postgres.bytewise("name") == "name COLLATE \"C\"")
        #expect(SQLDialect.sqlite.noLimit == .integer(-1) && SQLDialect.postgres.noLimit == .null)
        var query = SelectQuery("SELECT id FROM users", order: "id")
        query.filter(columns: ["username"], containing: "a_b")
        #expect(query.sql == "SELECT id FROM users WHERE (username LIKE ? ESCAPE '\\') ORDER BY id LIMIT ? OFFSET ?")
        #expect(query.sql(.postgres) == "SELECT id FROM users WHERE (username ILIKE ? ESCAPE '\\') ORDER BY id LIMIT ? OFFSET ?")
    }
}

/// The same repository code on both engines: a migrated SQLite file and a
/// migrated schema of its own on the test server.
@Suite(.enabled(if: TestPostgres.isAvailable, "SOCIALIZER_TEST_POSTGRES_URL is not set: run the tests under .ci/with-postgres for the PostgreSQL half"))
struct PostgresEngineTests {
    let scratch: PostgresScratch
    let sqlite: StoreFixture

    init() throws {
        scratch = try PostgresScratch()
        _ = try Migrator(connection: scratch.admin, clock: FixedClock(testNow)).up()
        sqlite = try StoreFixture()
    }

    var engines: [any Database] { [sqlite.db, scratch.admin] }

    func user(_ name: String) throws -> User {
        User(username: name, hashedPassword: try Bcrypt.hash(Array("pw".utf8), cost: 4), hashedEmail: "\(name)@example.com",
             memberSince: "2026-06-15", encryptionKey: nil)
    }

    @Test func repositoriesWriteAndReadTheSameRowsOnBothEngines() throws {
        var listed: [[String]] = []
        for db in engines {
            let users = UserRepository(db)
            let ids = try ["carol", "Bob", "alice", "b_x"].map { try users.insert(try user($0)) }
            #expect(ids == [1, 2, 3, 4], "\(db.dialect.engine)")
            let found = try #require(try users.find(.name("alice")))
            #expect(found.id == 3 && found.isActive && found.temperature == 0.7 && found.preferences == "{}")
            #expect(found.memberSince == "2026-06-15" && found.messages.count == 0)
            var query = UserQuery()
            query.sort = .username
            var names: [String] = []
            try users.list(query) { names.append($0.username) }
            // Byte order on both: capitals first, as SQLite compares.
            #expect(names == ["Bob", "alice", "b_x", "carol"], "\(db.dialect.engine)")
            query.search = "B"
            var searched: [String] = []
            try users.list(query) { searched.append($0.username) }
            listed.append(searched)
            query = UserQuery()
            query.search = "_"
            query.limit = 1
            var underscore: [String] = []
            try users.list(query) { underscore.append($0.username) }
            #expect(underscore == ["b_x"], "\(db.dialect.engine): _ matches itself")
            query.active = false
            var inactive = 0
            try users.list(query) { _ in inactive += 1 }
            #expect(inactive == 0)
            #expect(try users.usernameExists("alice") && !users.usernameExists("alice", excluding: 3))
        }
        // LIKE on SQLite and ILIKE on PostgreSQL ignore case alike.
        #expect(listed[0] == ["Bob", "b_x"] && listed[1] == listed[0])
    }

    @Test func aDuplicateIsTheSameDomainErrorOnBothEngines() throws {
        for db in engines {
            let users = UserRepository(db)
            _ = try users.insert(try user("alice"))
            var again = try user("alice")
            again.hashedEmail = "other@example.com"
            #expect(throws: SocializerError.invalid("user 'alice' already exists")) { try users.insert(again) }
            var other = try user("alice2")
            other.hashedEmail = "alice@example.com"
            #expect(throws: SocializerError.invalid("a user with that email already exists")) { try users.insert(other) }
            #expect(try db.scalarInt("SELECT count(*) FROM users") == 1)
        }
    }

    @Test func changesAreCountedPerTableOnBothEngines() throws {
        for db in engines {
            let users = UserRepository(db)
            let id = try users.insert(try user("alice"))
            _ = try TokenRepository(db).insert(token: "t1", expiresAt: testNow, createdAt: testNow, userID: id, reason: nil)
            let (_, changes) = try db.transaction(.immediate) {
                try db.countingChanges {
                    _ = try users.insert(try user("bob"))
                    try db.execute("UPDATE users SET role = ? WHERE id = ?", ["admin", id])
                    try db.execute("DELETE FROM token_blacklist WHERE user_id = ?", [id])
                }
            }
            #expect(changes.changes(of: "users")?.inserted == 1 && changes.changes(of: "users")?.updated == 1, "\(db.dialect.engine)")
            #expect(changes.changes(of: "token_blacklist")?.deleted == 1, "\(db.dialect.engine)")
        }
    }

    @Test func timestampsAndBooleansReadBackAsOnSQLite() throws {
        for db in engines {
            let tokens = TokenRepository(db)
            let expires = Timestamp(microsecondsSinceEpoch: testNow.microseconds + 1_500)
            let id = try tokens.insert(token: "t1", expiresAt: expires, createdAt: testNow, userID: nil, reason: "r")
            let token = try tokens.require(id: id)
            #expect(token.expiresAt == expires && token.createdAt == testNow, "\(db.dialect.engine)")
            #expect(try db.scalar("SELECT is_active FROM users WHERE id = ?", [try UserRepository(db).insert(try user("a"))]) == .integer(1))
        }
    }

    @Test func aPurgeDeletesInBatchesAndStopsWith75OnALockedRow() throws {
        let db = scratch.admin
        try db.transaction(.immediate) {
            for i in 0..<1000 {
                try db.execute("INSERT INTO token_blacklist (token, expires_at, created_at) VALUES (?, ?, ?)",
                               ["t\(i)", testNow.adding(seconds: Int64(i - 2000)).databaseText, testNow.databaseText])
            }
        }
        // Another connection holds the row that expires last: the purge takes what comes before it.
        let other = try scratch.connection()
        try other.execute("BEGIN")
        try other.execute("SELECT id FROM token_blacklist WHERE token = 't999' FOR UPDATE")
        try db.setLockTimeout(milliseconds: 50)
        var engine = PurgeEngine(db: db, maxBatchSize: 100)
        engine.firstBatchSize = 100
        let report = try engine.run(TokenRepository.purgeTarget(expiredBefore: testNow), dryRun: false)
        #expect(report.stoppedEarly?.code == .temporarilyUnavailable)
        #expect(report.rowsDeleted == 900 && report.batches == 9)
        #expect(try db.scalarInt("SELECT count(*) FROM token_blacklist") == 100)
        try other.execute("ROLLBACK")
        let rest = try engine.run(TokenRepository.purgeTarget(expiredBefore: testNow), dryRun: false)
        #expect(rest.stoppedEarly == nil && rest.rowsDeleted == 100)
        #expect(try db.scalarInt("SELECT count(*) FROM token_blacklist") == 0)
    }
}
