import Foundation
import Synchronization
import Testing
import TestSupport
@testable import SocializerStore
import SocializerCore

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
        let arguments = ["--db", bare, "migrate", "status"]
        let none = try binary.run(arguments, environment: ["HOME": home.path])
        #expect(none.status == 77 && none.stderr.contains("no password supplied"), "\(none.stderr)")
        let fromVariable = try binary.run(arguments, environment: ["HOME": home.path, "PGPASSWORD": password])
        #expect(fromVariable.status == 0, "\(fromVariable.stderr)")
        let pgpass = home.write(".pgpass", "*:*:*:\(user):\(password)\n")
        chmod(pgpass, 0o600)
        let fromFile = try binary.run(arguments, environment: ["HOME": home.path])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(![none, fromVariable, fromFile].contains { $0.stderr.contains(password) })
    }

    /// The app writes every few milliseconds, with a 1 s lock_timeout, all
    /// through a 200,000-row purge by the binary: none of its writes fail
    /// (issue 16 item 5), and the purge deletes every expired row, in
    /// batches, never the app's new ones.
    @Test(.enabled(if: TestPostgres.isAvailable, "SOCIALIZER_TEST_POSTGRES_URL is not set: run the tests under .ci/with-postgres for the PostgreSQL half"))
    func theAppsWritesSucceedDuringA200000RowPurge() throws {
        let scratch = try PostgresScratch()
        let folder = TemporaryDirectory()
        _ = try Migrator(connection: scratch.admin, clock: FixedClock(testNow)).up()
        try scratch.admin.execute("""
            INSERT INTO token_blacklist (token, expires_at, created_at)
            SELECT 'eyJ.' || md5(i::text) || '.' || i, TIMESTAMP '2020-01-01' + i * INTERVAL '1 second', TIMESTAMP '2019-12-01'
            FROM generate_series(1, 200000) AS i
            """)
        let stop = Atomic<Bool>(false)
        let counts = Mutex<(written: Int, failures: [String])>((0, []))
        let url = scratch.url
        let writer = Thread {
            do {
                let app = try TestPostgres.connect(url, lockTimeoutMilliseconds: 1000)
                var n = 0
                while !stop.load(ordering: .relaxed) {
                    do {
                        try app.execute("INSERT INTO token_blacklist (token, expires_at, created_at) VALUES (?, now() + INTERVAL '1 day', now())",
                                        ["live-\(n)"])
                        try app.execute("INSERT INTO error_logs (timestamp, error_type, error_message) VALUES (now(), 'Live', ?)", ["write \(n)"])
                        counts.withLock { $0.written += 1 }
                    } catch {
                        counts.withLock { $0.failures.append("\(error)") }
                    }
                    n += 1
                    usleep(3000)
                }
            } catch {
                counts.withLock { $0.failures.append("\(error)") }
            }
        }
        writer.start()
        usleep(100_000)
        let purge = try Spawned(["--db", url, "--json", "tokens", "purge"], directory: folder.path)
        let status = purge.wait(seconds: 120)
        stop.store(true, ordering: .relaxed)
        usleep(50_000)
        let (written, failures) = counts.withLock { ($0.written, $0.failures) }
        #expect(status == 0, "\(purge.stderr)")
        #expect(purge.stdout.contains("\"rows_deleted\":200000"), "\(purge.stdout)")
        #expect(failures.isEmpty && written > 0, "the app's writes: \(written) committed, failures: \(failures.prefix(3))")
        #expect(try scratch.admin.scalarInt("SELECT count(*) FROM token_blacklist WHERE token LIKE 'eyJ.%'") == 0)
        #expect(try scratch.admin.scalarInt("SELECT count(*) FROM token_blacklist WHERE token LIKE 'live-%'") == Int64(written))
    }
}
