import Foundation
import SocializerCore
import SocializerStore

/// The PostgreSQL server the tests may use: `$SOCIALIZER_TEST_POSTGRES_URL`,
/// which `.ci/with-postgres` sets (it starts a throwaway server; `.ci/run`
/// runs the suite under it). The URL must carry a user and password
/// (`postgresql://USER:PASSWORD@…`) of a role that may create schemas and
/// roles: the login tests rewrite it. Suites that need the server are
/// enabled only when it is set, and say so when skipped.
public enum TestPostgres {
    public static let variable = "SOCIALIZER_TEST_POSTGRES_URL"
    public static let url: String? = ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    public static var isAvailable: Bool { url != nil }

    /// Whether libpq can be loaded here (the tests of connection errors need it, not a server).
    public static let libpqLoads: Bool = (try? LibPQ.load(environment: [:])) != nil

    public static func location(_ text: String) throws -> PostgresURL {
        guard case .postgres(let url) = try DatabaseLocation.parse(text, source: "the test URL") else {
            throw SocializerError.internalError("\(variable) is not a postgresql:// URL")
        }
        return url
    }

    /// A new connection to the test server (or to `url`).
    public static func connect(_ url: String? = nil, environment: [String: String] = [:],
                               lockTimeoutMilliseconds: Int32 = 5000) throws -> PostgresConnection {
        guard let text = url ?? self.url else { throw SocializerError.internalError("\(variable) is not set") }
        return try PostgresConnection(url: try location(text), environment: environment,
                                      lockTimeoutMilliseconds: lockTimeoutMilliseconds)
    }

    /// The test URL's user and password.
    public static var credentials: (user: String, password: String) {
        let text = url ?? ""
        let start = text.range(of: "://")?.upperBound ?? text.startIndex
        let at = text[start...].firstIndex(of: "@") ?? start
        let parts = text[start..<at].split(separator: ":", maxSplits: 1).map(String.init)
        return (parts.first ?? "", parts.count > 1 ? parts[1].removingPercentEncoding ?? parts[1] : "")
    }

    /// The test URL with other credentials (`user[:password]`, percent-encoded
    /// by the caller) and optionally another database name.
    public static func url(credentials: String, database: String? = nil) -> String {
        var text = url ?? ""
        let start = text.range(of: "://")!.upperBound
        let at = text[start...].firstIndex(of: "@")!
        text.replaceSubrange(start..<at, with: credentials)
        if let database {
            let path = text[at...].firstIndex(of: "/")!
            let end = text[path...].firstIndex(of: "?") ?? text.endIndex
            text.replaceSubrange(text.index(after: path)..<end, with: database)
        }
        return text
    }

    /// A TCP port on 127.0.0.1 that nothing listens on: bound, read, closed.
    public static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                _ = bind(fd, raw, length)
                _ = getsockname(fd, raw, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A name no other test run uses (schemas and roles are shared by the whole server).
    public static func uniqueName(_ prefix: String) -> String {
        prefix + "_" + UUID().uuidString.prefix(8).lowercased() + "_\(getpid())"
    }
}

/// A schema of its own on the test server for one test, with the roles the
/// test created; all dropped when the value is released.
public final class PostgresScratch {
    public let admin: PostgresConnection
    public let schema: String
    private var roles: [String] = []

    public init() throws {
        admin = try TestPostgres.connect()
        schema = TestPostgres.uniqueName("socializer_test")
        try admin.execute("CREATE SCHEMA \(schema)")
        try admin.execute("SET search_path TO \(schema)")
    }

    deinit {
        try? admin.execute("DROP SCHEMA \(schema) CASCADE")
        for role in roles { try? admin.execute("DROP ROLE IF EXISTS \(role)") }
    }

    /// The test URL with this schema as the session's search_path (libpq's
    /// `options`), for the CLI, which opens its own connections.
    public var url: String {
        let text = TestPostgres.url ?? ""
        return text + (text.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
    }

    /// Runs a script of statements in this schema.
    public func run(script: String) throws {
        try admin.executeScript(script)
    }

    /// Another connection, working in this schema.
    public func connection(lockTimeoutMilliseconds: Int32 = 5000) throws -> PostgresConnection {
        let connection = try TestPostgres.connect(lockTimeoutMilliseconds: lockTimeoutMilliseconds)
        try connection.execute("SET search_path TO \(schema)")
        return connection
    }

    /// A login role with `password` and no privileges at all; dropped with the schema.
    public func role(password: String) throws -> String {
        let name = TestPostgres.uniqueName("socializer_role")
        try admin.execute("CREATE ROLE \(name) LOGIN PASSWORD '\(password)'")
        roles.append(name)
        return name
    }
}
