import Foundation
import Testing
import TestSupport

/// The built binary and libpq: loaded only when a PostgreSQL URL is used,
/// and reading the real process environment as psql does.
@Suite struct PostgresBinaryTests {
    let binary = BinaryTests()

    /// glibc's loader reports every library it opens under LD_DEBUG=libs:
    /// `--version` and SQLite commands never open libpq; a PostgreSQL URL does.
    @Test(.enabled(if: TestPostgres.libpqLoads, "libpq.so.5 is not installed (apt-get install libpq5)"))
    func libpqIsOpenedOnlyForAPostgreSQLURL() throws {
        let debug = ["LD_DEBUG": "libs"]
        let version = try binary.run(["--version"], environment: debug)
        #expect(version.status == 0)
        #expect(version.stderr.contains("libsqlite3"), "LD_DEBUG reports nothing here: \(version.stderr.prefix(200))")
        #expect(!version.stderr.contains("libpq"))
        let sqlite = try binary.run(["migrate", "up"], environment: debug)
        #expect(sqlite.status == 0 && !sqlite.stderr.contains("libpq"))
        let port = TestPostgres.closedPort()
        let postgres = try binary.run(["--db", "postgresql://ada:hunter2@127.0.0.1:\(port)/app", "users", "list"], environment: debug)
        #expect(postgres.status == 69)
        #expect(postgres.stderr.contains("libpq.so.5"))
        #expect(postgres.stderr.contains("cannot connect to the PostgreSQL server at 127.0.0.1:\(port)"))
    }

    /// PGPASSWORD and ~/.pgpass from the process's own environment.
    @Test(.enabled(if: TestPostgres.isAvailable, "SOCIALIZER_TEST_POSTGRES_URL is not set: run the tests under .ci/with-postgres for the PostgreSQL half"))
    func thePasswordComesFromTheEnvironmentOrPgpassAsInPsql() throws {
        let (user, password) = TestPostgres.credentials
        let bare = TestPostgres.url(credentials: user)
        let home = TemporaryDirectory()
        let arguments = ["--db", bare, "users", "list"]
        let none = try binary.run(arguments, environment: ["HOME": home.path])
        #expect(none.status == 77 && none.stderr.contains("no password supplied"), "\(none.stderr)")
        let fromVariable = try binary.run(arguments, environment: ["HOME": home.path, "PGPASSWORD": password])
        #expect(fromVariable.status == 69 && fromVariable.stderr.contains("does not run on PostgreSQL yet"), "\(fromVariable.stderr)")
        let pgpass = home.write(".pgpass", "*:*:*:\(user):\(password)\n")
        chmod(pgpass, 0o600)
        let fromFile = try binary.run(arguments, environment: ["HOME": home.path])
        #expect(fromFile.status == 69 && fromFile.stderr.contains("does not run on PostgreSQL yet"), "\(fromFile.stderr)")
        #expect(![none, fromVariable, fromFile].contains { $0.stderr.contains(password) })
    }
}
