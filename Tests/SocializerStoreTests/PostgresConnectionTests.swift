import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerStore

func thrown(_ body: () throws -> Void) -> Error? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

/// The domain error any database error becomes, as the CLI reports it.
func domain(_ error: Error?) -> SocializerError? {
    switch error {
    case let error as SocializerError: return error
    case let error as PostgresError: return error.domainError
    case let error as DatabaseError: return error.domainError
    default: return nil
    }
}

/// libpq's loader and the SQLSTATE translation: no server needed.
@Suite struct LibPQLoaderTests {
    @Test func aMissingLibpqIsExit69NamingThePackage() {
        let error = thrown { _ = try LibPQ.load(environment: [LibPQ.libraryVariable: "/nonexistent/libpq.so.5"]) } as? SocializerError
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("libpq") == true)
        #expect(error?.hint?.contains("libpq5") == true)
        #expect(error?.details.first?.contains("/nonexistent/libpq.so.5") == true)
    }

    @Test func aConnectionWithoutLibpqNeverStarts() throws {
        let url = try TestPostgres.location("postgresql://ada:hunter2@127.0.0.1:1/app")
        let error = thrown {
            _ = try PostgresConnection(url: url, environment: [LibPQ.libraryVariable: "libpq-missing.so.5"])
        } as? SocializerError
        #expect(error?.code == .unavailable && error?.hint?.contains("libpq5") == true)
    }

    @Test func aLibraryThatIsNotLibpqIsRefusedByName() {
        let error = thrown { _ = try LibPQ.load(environment: [LibPQ.libraryVariable: "libsqlite3.so.0"]) } as? SocializerError
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("has no PQconnectdbParams") == true, "\(String(describing: error))")
    }

    @Test func anEmptyVariableIsAConfigurationError() {
        let error = thrown { _ = try LibPQ.load(environment: [LibPQ.libraryVariable: ""]) } as? SocializerError
        #expect(error?.code == .configuration && error?.message.contains("$SOCIALIZER_LIBPQ") == true)
    }

    @Test(.enabled(if: TestPostgres.libpqLoads, "libpq.so.5 is not installed (apt-get install libpq5)"))
    func theSystemLibpqLoads() throws {
        let pq = try LibPQ.load(environment: [:])
        #expect(pq.library == "libpq.so.5")
        #expect(pq.majorVersion >= 12)
    }

    /// Refused: exit 69 naming the host and port, never the password.
    @Test(.enabled(if: TestPostgres.libpqLoads, "libpq.so.5 is not installed (apt-get install libpq5)"))
    func aRefusedConnectionNamesTheServerNotThePassword() throws {
        let port = TestPostgres.closedPort()
        let url = try TestPostgres.location("postgresql://ada:hunter2@127.0.0.1:\(port)/app")
        let error = thrown { _ = try PostgresConnection(url: url, environment: [:]) } as? SocializerError
        #expect(error?.code == .unavailable)
        #expect(error?.message == "cannot connect to the PostgreSQL server at 127.0.0.1:\(port)")
        #expect(error?.details.joined().contains("Connection refused") == true)
        #expect(!"\(String(describing: error))".contains("hunter2"))
    }

    /// Parameters libpq does not know are a usage error in libpq's words.
    @Test(.enabled(if: TestPostgres.libpqLoads, "libpq.so.5 is not installed (apt-get install libpq5)"))
    func aURLLibpqCannotReadIsAUsageError() throws {
        let url = try TestPostgres.location("postgresql://ada:hunter2@127.0.0.1:1/app?pool_size=5")
        let error = thrown { _ = try PostgresConnection(url: url, environment: [:]) } as? SocializerError
        #expect(error?.code == .usage)
        #expect(error?.message.contains("invalid URI query parameter: \"pool_size\"") == true, "\(String(describing: error))")
        #expect(error?.message.contains("ada:***@") == true && error?.message.contains("hunter2") == false)
    }
}

@Suite struct PostgresErrorTests {
    @Test func sqlStatesBecomeTheToolsExitCodes() {
        let unique = PostgresError(sqlState: "23505", message: "duplicate key value violates unique constraint \"users_username_key\"",
                                   table: "users", keyColumns: PostgresError.keyColumns(fromDetail: "Key (username)=(alice) already exists."))
        #expect(unique.isUniqueViolation)
        #expect(unique.domainError == .invalid("a users row with that username already exists"))
        #expect(PostgresError.keyColumns(fromDetail: "Key (room_id, user_id)=(1, 2) already exists.") == ["room_id", "user_id"])
        for state in ["55P03", "40001", "40P01"] {
            let error = PostgresError(sqlState: state, message: "m")
            #expect(error.isTransient)
            #expect(error.domainError.code == .temporarilyUnavailable && error.domainError.reason == .locked, "\(state)")
        }
        #expect(PostgresError(sqlState: "42501", message: "permission denied for table users").domainError.code == .permissionDenied)
        #expect(PostgresError(sqlState: "23502", message: "m", table: "users", column: "role").domainError
            == .invalid("users.role needs a value"))
        #expect(PostgresError(sqlState: "08006", message: "server closed the connection").domainError.code == .unavailable)
        #expect(PostgresError(sqlState: "42P01", message: "relation \"x\" does not exist").domainError.code == .internalError)
    }

    /// A data error's message quotes the value it could not read: never kept.
    @Test func dataErrorsNeverKeepTheValue() {
        let error = PostgresError(sqlState: "22P02", message: "invalid input syntax for type integer: \"hunter2\"", sql: "SELECT $1::int")
        #expect(!error.description.contains("hunter2"))
        #expect(!error.domainError.message.contains("hunter2"))
        #expect(error.domainError.code == .invalidData)
    }
}

/// Against a real server: `.ci/with-postgres swift test` (what `.ci/run` does).
@Suite(.enabled(if: TestPostgres.isAvailable, "SOCIALIZER_TEST_POSTGRES_URL is not set: run the tests under .ci/with-postgres for the PostgreSQL half"))
struct PostgresConnectionTests {
    let scratch: PostgresScratch
    var db: PostgresConnection { scratch.admin }

    init() throws { scratch = try PostgresScratch() }

    @Test func connectsAndSaysWhere() throws {
        #expect(db.serverVersion >= 120000)
        #expect(try db.scalar("SELECT current_setting('TimeZone')") == .text("UTC"))
        #expect(try db.scalar("SELECT current_setting('client_encoding')") == .text("UTF8"))
        #expect(try db.scalar("SELECT current_setting('application_name')") == .text("socializer"))
        #expect(!db.isInTransaction)
    }

    @Test func theCurrentSchemaIsTheFirstOfTheSearchPathThatExists() throws {
        let scoped = try scratch.connection()
        #expect(try scoped.currentSchema() == scratch.schema)
        try scoped.execute("SET search_path TO nowhere_at_all")
        let error = thrown { _ = try scoped.currentSchema() } as? SocializerError
        #expect(error?.code == .configuration && error?.message.contains("no current schema") == true, "\(String(describing: error))")
    }

    @Test func parametersAndValuesRoundTrip() throws {
        let text = "héllo 'quoted' \"double\" ; DROP TABLE users; -- 😀"
        let row = try #require(try db.firstRow(
            "SELECT $1::bigint AS i, $2::float8 AS f, $3::text AS t, $4::text AS n, $5::boolean AS b, $6::bytea AS y, $7::boolean AS no",
            [Int64.max, 0.7, text, nil as String?, true, DatabaseValue.blob([0, 1, 0xFE, 0xFF]), false]))
        #expect(row.columns == ["i", "f", "t", "n", "b", "y", "no"])
        #expect(row.values == [.integer(Int64.max), .real(0.7), .text(text), .null, .integer(1), .blob([0, 1, 0xFE, 0xFF]), .integer(0)])
        #expect(try row.bool("b") && !(try row.bool("no")))
        let special = try #require(try db.firstRow("SELECT $1::float8 AS a, $2::float8 AS b, $3::numeric AS c, $4::numeric AS d",
                                                   [Double.infinity, -Double.infinity, 12, 1.5]))
        #expect(special.values == [.real(.infinity), .real(-.infinity), .integer(12), .real(1.5)])
        guard case .real(let nan) = try db.scalar("SELECT $1::float8", [Double.nan]) else {
            Issue.record("NaN did not come back as a number")
            return
        }
        #expect(nan.isNaN)
    }

    /// DATETIME and DATE as the app's models create them on PostgreSQL.
    @Test func timestampsComeBackInISOForm() throws {
        let row = try #require(try db.firstRow(
            "SELECT $1::timestamp AS t, $2::timestamp AS whole, $3::date AS d",
            ["2026-06-15 12:00:00.123456", "2026-06-15 12:00:00.000000", "2026-06-15"]))
        #expect(row.values == [.text("2026-06-15 12:00:00.123456"), .text("2026-06-15 12:00:00"), .text("2026-06-15")])
        #expect(try row.timestamp("t") == Timestamp.parse("2026-06-15T12:00:00.123456Z"))
        #expect(try row.timestamp("whole") == Timestamp.parse("2026-06-15T12:00:00Z"))
    }

    @Test func aNulInTextIsRefusedNotCutShort() {
        let error = domain(thrown { _ = try db.scalar("SELECT $1::text", ["a\u{0}b"]) })
        #expect(error?.code == .invalidData && error?.message.contains("NUL") == true)
    }

    @Test func oneStatementAtATime() {
        let error = thrown { try db.execute("SELECT 1; SELECT 2") } as? PostgresError
        #expect(error?.sqlState == "42601")
    }

    /// A statement run again is prepared once on the server and still binds fresh values.
    @Test func repeatedStatementsArePreparedAndCountChanges() throws {
        try db.execute("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)")
        var traced: [String] = []
        db.trace { traced.append($0) }
        defer { db.trace(nil) }
        for body in ["one", "two", "three"] {
            try db.execute("INSERT INTO notes (body) VALUES ($1)", [body])
            #expect(db.changes == 1)
        }
        #expect(try db.scalar("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO notes%'") == .integer(1))
        #expect(traced == Array(repeating: "INSERT INTO notes (body) VALUES ($1)", count: 3) + [
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO notes%'"])
        try db.execute("UPDATE notes SET body = upper(body) WHERE id > $1", [1])
        #expect(db.changes == 2)
        #expect(try db.rows("SELECT body FROM notes ORDER BY id").map { try $0.string("body") } == ["one", "TWO", "THREE"])
    }

    @Test func rowsStreamAndAStoppedStreamLeavesTheConnectionUsable() throws {
        var count = 0
        var sum: Int64 = 0
        try db.forEachRow("SELECT n FROM generate_series(1, $1::int) AS n", [20_000]) { row in
            count += 1
            sum += try row.int("n")
        }
        #expect(count == 20_000 && sum == 200_010_000)
        struct Enough: Error {}
        var seen = 0
        #expect(throws: Enough.self) {
            try db.forEachRow("SELECT n FROM generate_series(1, 10000000) AS n") { _ in
                seen += 1
                if seen == 3 { throw Enough() }
            }
        }
        #expect(seen == 3)
        #expect(try db.scalarInt("SELECT 41 + 1") == 42)
        let nested = thrown { try db.forEachRow("SELECT 1") { _ in _ = try db.scalar("SELECT 2") } } as? SocializerError
        #expect(nested?.code == .internalError)
        #expect(try db.scalarInt("SELECT 7") == 7)
    }

    /// Unique violation: 65, in the same words as SQLite's, no value.
    @Test func aUniqueViolationIsBadData() throws {
        try db.execute("CREATE TABLE people (id serial PRIMARY KEY, username varchar NOT NULL)")
        try db.execute("CREATE UNIQUE INDEX people_username ON people (username)")
        try db.execute("INSERT INTO people (username) VALUES ($1)", ["alice-secret-name"])
        let error = thrown { try db.execute("INSERT INTO people (username) VALUES ($1)", ["alice-secret-name"]) } as? PostgresError
        #expect(error?.isUniqueViolation == true)
        #expect(error?.constraint == "people_username")
        #expect(domain(error) == .invalid("a people row with that username already exists"))
        #expect(!"\(String(describing: error))".contains("alice-secret-name"))
        let missing = domain(thrown { try db.execute("INSERT INTO people (username) VALUES ($1)", [nil as String?]) })
        #expect(missing == .invalid("people.username needs a value"))
    }

    /// A row another connection holds locked past lock_timeout (from the busy timeout): 75.
    @Test func aLockHeldPastTheTimeoutIsExit75() throws {
        try db.execute("CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)")
        try db.execute("INSERT INTO counters VALUES (1, 0)")
        let other = try scratch.connection(lockTimeoutMilliseconds: 150)
        try db.execute("BEGIN")
        try db.execute("UPDATE counters SET n = n + 1 WHERE id = 1")
        let stopwatch = Stopwatch()
        let error = thrown { try other.transaction { try other.execute("UPDATE counters SET n = n + 10 WHERE id = 1") } }
        #expect((error as? PostgresError)?.sqlState == "55P03")
        #expect(domain(error)?.code == .temporarilyUnavailable && domain(error)?.reason == .locked)
        #expect(stopwatch.elapsedMilliseconds >= 100 && stopwatch.elapsedMilliseconds < 5000)
        #expect(!other.isInTransaction)
        try db.execute("COMMIT")
        try other.transaction { try other.execute("UPDATE counters SET n = n + 10 WHERE id = 1") }
        #expect(try db.scalarInt("SELECT n FROM counters") == 11)
    }

    /// A role without privileges: 77, with the server's words.
    @Test func insufficientPrivilegeIsExit77() throws {
        try db.execute("CREATE TABLE secrets (id int)")
        let role = try scratch.role(password: "role-pass-1")
        let restricted = try TestPostgres.connect(TestPostgres.url(credentials: "\(role):role-pass-1"))
        let error = thrown { _ = try restricted.rows("SELECT * FROM \(scratch.schema).secrets") }
        #expect((error as? PostgresError)?.sqlState == "42501")
        #expect(domain(error)?.code == .permissionDenied)
        #expect(domain(error)?.message.contains("permission denied for schema \(scratch.schema)") == true)
    }

    @Test func transactionsCommitRollBackAndNestAsSavepoints() throws {
        try db.execute("CREATE TABLE items (name text PRIMARY KEY)")
        try db.transaction { try db.execute("INSERT INTO items VALUES ('kept')") }
        try db.transaction(commit: false) { try db.execute("INSERT INTO items VALUES ('dry run')") }
        struct Failure: Error {}
        #expect(throws: Failure.self) {
            try db.transaction {
                try db.execute("INSERT INTO items VALUES ('failed')")
                throw Failure()
            }
        }
        try db.transaction {
            try db.execute("INSERT INTO items VALUES ('outer')")
            // A failing statement inside a savepoint: the outer transaction goes on.
            #expect(throws: PostgresError.self) {
                try db.transaction {
                    try db.execute("INSERT INTO items VALUES ('inner')")
                    try db.execute("INSERT INTO items VALUES ('kept')")
                }
            }
            try db.transaction(commit: false) { try db.execute("INSERT INTO items VALUES ('inner dry run')") }
            try db.execute("INSERT INTO items VALUES ('after')")
        }
        #expect(!db.isInTransaction)
        #expect(try db.rows("SELECT name FROM items ORDER BY name").map { try $0.string("name") } == ["after", "kept", "outer"])
    }

    /// `PGPASSWORD`, `PGPASSFILE` (the password file, ~/.pgpass by
    /// default) and sslmode reach libpq from the environment the tool was
    /// given, as for psql; the URL wins over the environment.
    @Test func theEnvironmentWorksAsForPsql() throws {
        let (user, password) = TestPostgres.credentials
        let bare = TestPostgres.url(credentials: user)
        #expect(try TestPostgres.connect(bare, environment: ["PGPASSWORD": password]).serverVersion > 0)
        let refused = domain(thrown { _ = try TestPostgres.connect(bare, environment: ["PGPASSWORD": "wrong-password-9"]) })
        #expect(refused?.code == .permissionDenied)
        #expect(refused?.message.contains("refused the login of user '\(user)'") == true)
        #expect(!"\(String(describing: refused))".contains("wrong-password-9"))
        // The URL's password wins over the environment's.
        let withPassword = TestPostgres.url(credentials: "\(user):\(password)")
        #expect(try TestPostgres.connect(withPassword, environment: ["PGPASSWORD": "wrong-password-9"]).serverVersion > 0)
        let folder = TemporaryDirectory()
        let passfile = folder.write("pgpass", "*:*:*:\(user):\(password)\n")
        chmod(passfile, 0o600)
        #expect(try TestPostgres.connect(bare, environment: ["PGPASSFILE": passfile]).serverVersion > 0)
        let sslmode = domain(thrown { _ = try TestPostgres.connect(bare, environment: ["PGSSLMODE": "bogus", "PGPASSWORD": password]) })
        #expect(sslmode?.code == .usage && sslmode?.message.contains("sslmode") == true, "\(String(describing: sslmode))")
    }

    @Test func aWrongPasswordOrDatabaseIsNamedButNeverTheSecret() throws {
        let (user, password) = TestPostgres.credentials
        let wrong = domain(thrown { _ = try TestPostgres.connect(TestPostgres.url(credentials: "\(user):not-the-password")) })
        #expect(wrong?.code == .permissionDenied)
        #expect(!"\(String(describing: wrong))".contains("not-the-password"))
        let missing = domain(thrown {
            _ = try TestPostgres.connect(TestPostgres.url(credentials: "\(user):\(password)", database: "no_such_database"))
        })
        #expect(missing?.code == .notFound)
        #expect(missing?.message.contains("database 'no_such_database' does not exist") == true)
    }
}
