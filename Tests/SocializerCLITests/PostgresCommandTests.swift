import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerStore

/// Where the database is (`--db`, `$SOCIALIZER_DB`, `$DATABASE_URL`,
/// `./socializer.db`), and what every command does with a PostgreSQL URL
/// until the repositories are ported: connect, then exit 69.
@Suite struct DatabaseLocationCommandTests {
    let folder = TemporaryDirectory()

    @Test func theOptionThenSocializersVariableThenTheAppsThenTheDefault() throws {
        let both = ["SOCIALIZER_DB": "a.db", "DATABASE_URL": "sqlite:////srv/b.db"]
        #expect(try GlobalOptions.resolveDatabase("c.db", environment: both) == .sqlite(path: "c.db"))
        #expect(try GlobalOptions.resolveDatabase(nil, environment: both) == .sqlite(path: "a.db"))
        #expect(try GlobalOptions.resolveDatabase(nil, environment: ["DATABASE_URL": "sqlite:////srv/b.db"]) == .sqlite(path: "/srv/b.db"))
        #expect(try GlobalOptions.resolveDatabase(nil, environment: [:]) == .sqlite(path: "./socializer.db"))
        // A command that never opens the database does not read the variables.
        #expect(try GlobalOptions.resolveDatabase(nil, environment: ["DATABASE_URL": "mysql://x"], readEnvironment: false)
            == .sqlite(path: "./socializer.db"))
    }

    @Test func theAppsSQLiteURLWorksEndToEnd() {
        let url = "sqlite:///\(folder.file("app.db"))" // four slashes: an absolute path
        #expect(runCLI(["--db", url, "-q", "migrate", "up"]).status == 0)
        #expect(folder.exists("app.db"))
        let list = runCLI(["--format", "csv", "users", "list"], environment: ["DATABASE_URL": url])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.hasPrefix("id,username"))
        // $SOCIALIZER_DB comes before the app's variable.
        let missing = runCLI(["users", "list"], environment: ["SOCIALIZER_DB": folder.file("other.db"), "DATABASE_URL": url])
        #expect(missing.status == 66 && missing.stderr.contains("database '\(folder.file("other.db"))' does not exist"))
    }

    @Test func aDATABASE_URLThatIsNotAURLIsRefusedByName() {
        let result = runCLI(["users", "list"], environment: ["DATABASE_URL": "/srv/hunter2/app.db"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("$DATABASE_URL is not a database URL"))
        #expect(!result.stderr.contains("hunter2"))
        let empty = runCLI(["users", "list"], environment: ["DATABASE_URL": ""])
        #expect(empty.status == 64 && empty.stderr.contains("$DATABASE_URL is empty"))
    }

    @Test func helpAndCompletionNeverTouchTheDatabase() {
        for url in ["postgresql://ada:hunter2@127.0.0.1:1/app", "mysql://x", ""] {
            for arguments in [["completion", "bash"], ["help", "users"]] {
                let result = runCLI(arguments, environment: ["DATABASE_URL": url, "SOCIALIZER_LIBPQ": "/nonexistent/libpq.so.5"])
                #expect(result.status == 0, "\(arguments) with \(url): \(result.stderr)")
            }
        }
        #expect(runCLI(["--db", "postgresql://ada:hunter2@127.0.0.1:1/app", "--version"]).status == 0)
    }

    /// Without libpq a PostgreSQL URL is exit 69 naming the package; SQLite
    /// commands do not notice.
    @Test func withoutLibpqPostgreSQLIsUnavailableAndSQLiteUnaffected() {
        let environment = ["SOCIALIZER_LIBPQ": "/nonexistent/libpq.so.5"]
        let result = runCLI(["--db", "postgresql://ada:hunter2@db.example/app", "users", "list"], environment: environment)
        #expect(result.status == 69)
        #expect(result.stderr.contains("need libpq") && result.stderr.contains("apt-get install libpq5"))
        #expect(!result.stderr.contains("hunter2"))
        #expect(runCLI(["--db", folder.file("app.db"), "-q", "migrate", "up"], environment: environment).status == 0)
        #expect(runCLI(["--db", folder.file("app.db"), "users", "list"], environment: environment).status == 0)
    }

    @Test func aMalformedURLIsAUsageErrorThatQuotesNothing() {
        let result = runCLI(["--db", "postgresql://ada:hun@ter2@db/app", "users", "list"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("the PostgreSQL URL in --db holds more than one '@'"))
        #expect(!result.stderr.contains("ter2"))
    }

    /// Usage errors are found before anything connects, as on SQLite.
    @Test func usageErrorsComeFirst() {
        let result = runCLI(["--db", "postgresql://ada:hunter2@127.0.0.1:1/app", "users", "show"])
        #expect(result.status == 64, "\(result.stderr)")
    }

    /// Every verb that uses the database, on a server that refuses the
    /// connection: exit 69 naming the host and port, never the password,
    /// also in -v and JSON; the verbs that do not use it run.
    @Test(.enabled(if: TestPostgres.libpqLoads, "libpq.so.5 is not installed (apt-get install libpq5)"))
    func everyVerbReportsARefusedConnection() throws {
        let port = TestPostgres.closedPort()
        let url = "postgresql://ada:hunter2@127.0.0.1:\(port)/app?sslmode=prefer"
        for arguments in CommandKitTests.smoke {
            let node = try #require(CommandTable.node(at: verbPath(of: arguments)))
            // With the secrets a verb checks before it connects (as on SQLite), so that every verb gets to connect.
            let result = runCLI(["--db", url] + arguments, environment: ["SOCIALIZER_JWT_SECRET": jwtSecret, "SOCIALIZER_EMAIL_KEY": emailKey],
                                stdin: "pw-alice-1\n")
            #expect(!result.stderr.contains("hunter2") && !result.stdout.contains("hunter2"), "\(arguments)")
            if node.usesDatabase {
                #expect(result.status == 69, "\(arguments): \(result.stderr)")
                #expect(result.stderr.contains("cannot connect to the PostgreSQL server at 127.0.0.1:\(port)"), "\(arguments): \(result.stderr)")
            } else {
                #expect(result.status == 0, "\(arguments): \(result.stderr)")
            }
        }
        let verbose = runCLI(["--db", url, "-v", "users", "list"])
        #expect(verbose.stderr.contains("socializer: database: postgresql://ada:***@127.0.0.1:\(port)/app?sslmode=prefer (PostgreSQL)"))
        #expect(!verbose.stderr.contains("hunter2"))
        let json = runCLI(["--db", url, "--json", "users", "list"])
        #expect(json.status == 69 && json.stderr.hasPrefix("{\"error\":\"cannot connect to the PostgreSQL server at 127.0.0.1:\(port)\",\"code\":69"))
        #expect(!json.stderr.contains("hunter2"))
    }
}

/// The same against a real server: the URL's forms, the login (the verbs
/// themselves on PostgreSQL are PostgresVerbsTests').
@Suite(.enabled(if: TestPostgres.isAvailable, "SOCIALIZER_TEST_POSTGRES_URL is not set: run the tests under .ci/with-postgres for the PostgreSQL half"))
struct PostgresCommandTests {
    let url = TestPostgres.url ?? ""

    /// Issue 16, item 1: every command and verb works on both engines.
    /// A verb added later runs on PostgreSQL once it is listed in
    /// `PostgresSupport.ported` (and tested on both); until then it
    /// connects and stops with exit 69, having changed nothing.
    @Test func everyVerbThatUsesTheDatabaseRunsOnPostgreSQL() throws {
        var unported: [String] = []
        for arguments in CommandKitTests.smoke {
            let node = try #require(CommandTable.node(at: verbPath(of: arguments)))
            if node.usesDatabase && !PostgresSupport.ported.contains(verbPath(of: arguments)) {
                unported.append(verbPath(of: arguments).joined(separator: " "))
            }
        }
        #expect(unported.isEmpty, "\(unported)")
        for path in PostgresSupport.ported { #expect(CommandTable.node(at: path) != nil, "\(path)") }
    }

    /// A verb added later and not yet in `ported` connects (so what can go
    /// wrong there is reported as it will be), then stops with 69 having
    /// changed nothing, naming the commands that run there.
    @Test func aVerbNotYetPortedConnectsThenExits69() throws {
        let path = ["users", "someday"]
        let globals = try GlobalOptions(arguments: ParsedArguments(path: path, values: ["db": .string(url)]),
                                        environment: [:], terminal: TerminalInfo())
        let context = CommandContext(environment: [:], stdin: BytesInput(), stdout: TextBuffer(), stderr: TextBuffer(),
                                     terminal: TerminalInfo(), clock: FixedClock(testNow), globals: globals,
                                     path: path, prompt: nil, kind: .write)
        guard case .postgres(let location) = globals.database else {
            Issue.record("not a PostgreSQL URL")
            return
        }
        #expect { try PostgresSupport.refuseUnported(location, context) } throws: { error in
            guard let error = error as? SocializerError else { return false }
            return error.code == .unavailable && error.message.hasPrefix("'users someday' does not run on PostgreSQL yet")
                && error.message.contains("users list") && error.message.contains("changed nothing")
                && !error.message.contains(TestPostgres.credentials.password)
        }
        // It connected first: a refused login is that, not the 69.
        let wrong = try GlobalOptions(arguments: ParsedArguments(path: path, values: ["db": .string(TestPostgres.url(credentials: "\(TestPostgres.credentials.user):wrong-password-9"))]),
                                      environment: [:], terminal: TerminalInfo())
        guard case .postgres(let refused) = wrong.database else { return }
        #expect { try PostgresSupport.refuseUnported(refused, context) } throws: { ($0 as? SocializerError)?.code == .permissionDenied }
    }

    @Test func theAppsVariableAndVerboseOutput() {
        let result = runCLI(["-v", "migrate", "status"], environment: ["DATABASE_URL": url])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("socializer: database: postgresql://\(TestPostgres.credentials.user):***@"))
        #expect(result.stderr.contains("socializer: connected to PostgreSQL 1"))
        #expect(!result.stderr.contains(TestPostgres.credentials.password))
    }

    @Test func aRefusedLoginIs77AndPGPASSWORDIsHonoured() {
        let (user, password) = TestPostgres.credentials
        let wrong = runCLI(["--db", TestPostgres.url(credentials: "\(user):wrong-password-9"), "users", "list"])
        #expect(wrong.status == 77, "\(wrong.stderr)")
        #expect(wrong.stderr.contains("refused the login of user '\(user)'"))
        #expect(!wrong.stderr.contains("wrong-password-9"))
        let bare = TestPostgres.url(credentials: user)
        #expect(runCLI(["--db", bare, "migrate", "status"], environment: ["PGPASSWORD": password]).status == 0)
        #expect(runCLI(["--db", bare, "migrate", "status"], environment: ["PGPASSWORD": "wrong-password-9"]).status == 77)
    }
}
