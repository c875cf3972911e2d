import Testing
@testable import SocializerCore
@testable import SocializerStore

/// Paths and URLs as `--db`, `$SOCIALIZER_DB` and the app's `$DATABASE_URL`
/// give them; no server needed.
@Suite struct DatabaseLocationTests {
    func parse(_ text: String, urlOnly: Bool = false) throws -> DatabaseLocation {
        try DatabaseLocation.parse(text, source: "--db", urlOnly: urlOnly)
    }

    func refusal(_ text: String, urlOnly: Bool = false) -> SocializerError? {
        do {
            _ = try parse(text, urlOnly: urlOnly)
            return nil
        } catch {
            return error as? SocializerError
        }
    }

    @Test func pathsAreSQLiteFiles() throws {
        #expect(try parse("app.db") == .sqlite(path: "app.db"))
        #expect(try parse("/srv/app.db") == .sqlite(path: "/srv/app.db"))
        #expect(try parse("./data://odd.db") == .sqlite(path: "./data://odd.db"))
    }

    /// SQLAlchemy's forms: three slashes relative, four absolute, a driver
    /// allowed, the path taken as written (SQLAlchemy does not decode it).
    @Test func sqliteURLsAsSQLAlchemyWritesThem() throws {
        #expect(try parse("sqlite:///app.db") == .sqlite(path: "app.db"))
        #expect(try parse("sqlite:///instance/app.db") == .sqlite(path: "instance/app.db"))
        #expect(try parse("sqlite:////srv/app.db") == .sqlite(path: "/srv/app.db"))
        #expect(try parse("sqlite+pysqlite:////srv/app.db") == .sqlite(path: "/srv/app.db"))
        #expect(try parse("SQLite:///app.db") == .sqlite(path: "app.db"))
        #expect(try parse("sqlite:///my%20app.db") == .sqlite(path: "my%20app.db"))
        #expect(try parse("sqlite:///app.db", urlOnly: true) == .sqlite(path: "app.db"))
    }

    @Test func sqliteURLsSocializerCannotHonourAreRefused() {
        for (text, words) in [("sqlite://", "in-memory"), ("sqlite:///", "in-memory"), ("sqlite:///:memory:", "in-memory"),
                              ("sqlite:///app.db?mode=ro", "query options"), ("sqlite://host/app.db", "host or user"),
                              ("sqlite+pysqlcipher://:hunter2@/app.db", "host or user")] {
            let error = refusal(text)
            #expect(error?.code == .usage, "\(text)")
            #expect(error?.message.contains(words) == true, "\(text): \(String(describing: error))")
            #expect(error?.message.contains("hunter2") == false)
        }
    }

    @Test func theOldRefusalsStay() {
        #expect(refusal("")?.message == "--db is empty")
        #expect(refusal(":memory:")?.message.contains("is not a file path") == true)
        #expect(refusal("file:app.db?mode=rwc")?.message.contains("is not a file path") == true)
    }

    @Test func otherEnginesAndPlainTextInDATABASE_URLAreRefusedUnquoted() {
        let mysql = refusal("mysql+pymysql://root:hunter2@db/app")
        #expect(mysql?.code == .usage)
        #expect(mysql?.message.contains("'mysql' URL") == true)
        #expect(mysql?.message.contains("hunter2") == false)
        let plain = refusal("/srv/hunter2/app.db", urlOnly: true)
        #expect(plain?.code == .usage)
        #expect(plain?.message.contains("is not a database URL") == true)
        #expect(plain?.message.contains("hunter2") == false)
    }

    /// A slash missing is a typo, not a file named `postgresql:…`; it is not quoted.
    @Test func aURLWithASlashMissingIsNotTakenForAPath() throws {
        for text in ["postgresql:/ada:hunter2@db/app", "postgres:ada:hunter2@db", "sqlite:app.db", "SQLITE+pysqlite:/x.db"] {
            let error = refusal(text)
            #expect(error?.code == .usage, "\(text)")
            #expect(error?.message.contains("has no '://' after the scheme") == true, "\(text)")
            #expect(error?.message.contains("hunter2") == false)
        }
        #expect(try parse("postgresql-backup.db") == .sqlite(path: "postgresql-backup.db"))
    }

    @Test func postgresURLsInEverySpelling() throws {
        for text in ["postgresql://ada@db.example/app", "postgres://ada@db.example/app",
                     "postgresql+psycopg2://ada@db.example/app", "PostgreSQL+asyncpg://ada@db.example/app"] {
            guard case .postgres(let url) = try parse(text) else {
                Issue.record("\(text) is not PostgreSQL")
                continue
            }
            #expect(url.connectionText == "postgresql://ada@db.example/app", "\(text)")
            #expect(url.user == "ada")
            #expect(url.hostPart == "db.example")
            #expect(url.redacted == text.lowercased())
        }
    }

    @Test func thePasswordIsNeverShown() throws {
        guard case .postgres(let url) = try parse("postgresql://ada:s3cr%40t@db.example:5432/app?sslmode=require") else {
            Issue.record("not PostgreSQL")
            return
        }
        #expect(url.redacted == "postgresql://ada:***@db.example:5432/app?sslmode=require")
        #expect(url.description == url.redacted)
        #expect(DatabaseLocation.postgres(url).description == url.redacted)
        #expect(url.hostPart == "db.example:5432")
        #expect(url.scrubbed("for s3cr@t and s3cr%40t") == "for *** and ***")
        let query = try PostgresURL("postgresql://db/app?password=hunter2&pass%77ord=again&SSLPassword=key&sslmode=verify-full",
                                    source: "--db")
        #expect(query.redacted == "postgresql://db/app?password=***&pass%77ord=***&SSLPassword=***&sslmode=verify-full")
        #expect(query.scrubbed("hunter2 again key") == "*** *** ***")
        let empty = try PostgresURL("postgresql://ada:@db/app", source: "--db")
        #expect(empty.redacted == "postgresql://ada:***@db/app")
        let none = try PostgresURL("postgresql:///app?host=/run/postgresql", source: "--db")
        #expect(none.redacted == "postgresql:///app?host=/run/postgresql" && none.user == nil && none.hostPart.isEmpty)
        // What a command to paste names: no password at all (libpq then reads $PGPASSWORD or ~/.pgpass), no driver suffix.
        #expect(url.withoutPassword == "postgresql://ada@db.example:5432/app?sslmode=require")
        #expect(DatabaseLocation.postgres(url).commandText == url.withoutPassword)
        #expect(query.withoutPassword == "postgresql://db/app?sslmode=verify-full")
        #expect(empty.withoutPassword == "postgresql://ada@db/app", "\(empty.withoutPassword)")
        #expect(none.withoutPassword == none.redacted, "\(none.withoutPassword)")
        #expect(try PostgresURL("postgresql+psycopg2://ada:pw@db/app?password=x", source: "--db").withoutPassword == "postgresql://ada@db/app")
    }

    /// What libpq and SQLAlchemy would read differently is refused, and the
    /// refusal quotes nothing of the URL.
    @Test func ambiguousURLsAreRefusedWithoutQuotingThem() {
        for (text, words) in [("postgresql://ada:hun@ter2@db/app", "more than one '@'"),
                              ("postgresql://db/app?user=ada@hunter2", "more than one '@' or an '@' in its query"),
                              ("postgresql://ada:hun/ter2@db/app", "'/' before the '@'"),
                              ("postgresql://ada:hunter2%zz@db/app", "'%' in its password"),
                              ("postgresql://ad%a:hunter2@db/app", "'%' in its user name"),
                              ("postgresql://db/app?password=hunter2%", "'%' in its password parameter")] {
            let error = refusal(text)
            #expect(error?.code == .usage, "\(text)")
            #expect(error?.message.contains(words) == true, "\(text): \(String(describing: error?.message))")
            #expect(error?.message.contains("not shown") == true)
            #expect(!(error?.message.contains("hunter2") ?? true) && !(error?.message.contains("ter2") ?? true), "\(text)")
        }
    }
}
