import SocializerCore
import SocializerStore

/// The verbs that run on PostgreSQL (issue 16): every verb that uses the
/// database, each written against the engine seam (`Database`) and tested
/// on both engines (a test checks that none is missing). A verb added
/// later runs there once it is listed; until then it connects (so that
/// what can go wrong there is reported as it will be once it runs: libpq
/// missing 69, server unreachable 69, login refused 77, no such database
/// 66) and then stops with exit 69, having changed nothing.
enum PostgresSupport {
    /// The verbs that run on PostgreSQL, by path.
    static let ported: Set<[String]> = [
        ["migrate", "up"], ["migrate", "down"], ["migrate", "status"], ["migrate", "plan"], ["migrate", "validate"],
        ["migrate", "baseline"], ["migrate", "schema"],
        ["users", "list"], ["users", "show"], ["users", "create"], ["users", "update"], ["users", "activate"], ["users", "deactivate"],
        ["users", "set-password"], ["users", "check-password"], ["users", "find"], ["users", "delete"], ["users", "messages"],
        ["users", "memory", "show"], ["users", "memory", "set"], ["users", "memory", "clear"], ["users", "rotate-key"],
        ["users", "prefs", "list"], ["users", "prefs", "set"], ["users", "prefs", "unset"], ["users", "skills"],
        ["users", "import"], ["users", "export"], ["users", "takeout"],
        ["tokens", "revoke"], ["tokens", "check"], ["tokens", "list"], ["tokens", "show"], ["tokens", "issue"], ["tokens", "purge"],
        ["skills", "add"], ["skills", "list"], ["skills", "rename"], ["skills", "remove"], ["skills", "set-level"], ["skills", "levels"],
        ["training", "start"], ["training", "pause"], ["training", "resume"], ["training", "progress"], ["training", "complete"],
        ["training", "reset"], ["training", "stop"], ["training", "list"], ["training", "show"], ["training", "purge"],
        ["rooms", "create"], ["rooms", "list"], ["rooms", "show"], ["rooms", "update"], ["rooms", "set-password"], ["rooms", "archive"],
        ["rooms", "unarchive"], ["rooms", "delete"], ["rooms", "members", "list"], ["rooms", "members", "add"],
        ["rooms", "members", "add-ai"], ["rooms", "members", "remove"], ["rooms", "members", "role"],
        ["rooms", "messages", "list"], ["rooms", "messages", "post"], ["rooms", "messages", "edit"], ["rooms", "messages", "delete"],
        ["rooms", "messages", "search"], ["rooms", "messages", "purge"], ["rooms", "unread"], ["rooms", "mark-read"],
        ["rooms", "general", "list"], ["rooms", "general", "post"], ["rooms", "general", "purge"],
        ["invites", "send"], ["invites", "list"], ["invites", "show"], ["invites", "accept"], ["invites", "decline"], ["invites", "cancel"],
        ["invites", "purge"],
        ["audit", "list"], ["audit", "show"], ["audit", "purge"],
        ["logs", "add"], ["logs", "list"], ["logs", "show"], ["logs", "stats"], ["logs", "purge"], ["logs", "export"],
        ["dump"], ["skills", "export"], ["training", "export"], ["rooms", "export"],
        ["seed"], ["skills", "import"], ["training", "import"], ["rooms", "import"], ["backup"], ["doctor"],
    ]

    /// Connects to the server the URL names, as every verb does on PostgreSQL.
    static func connect(_ url: PostgresURL, _ context: CommandContext) throws -> PostgresConnection {
        context.verbose("database: \(url.redacted) (PostgreSQL)")
        let connection = try PostgresConnection(url: url, environment: context.environment,
                                                lockTimeoutMilliseconds: context.globals.busyTimeoutMilliseconds)
        context.verbose("connected to PostgreSQL \(connection.serverVersion / 10000).\(connection.serverVersion % 10000) at \(connection.server)"
                        + " through \(connection.library)")
        return connection
    }

    static func refuseUnported(_ url: PostgresURL, _ context: CommandContext) throws -> Never {
        let connection = try connect(url, context)
        let command = context.path.joined(separator: " ")
        throw SocializerError(.unavailable,
            "'\(command)' does not run on PostgreSQL yet: this version of socializer runs "
                + ported.map { $0.joined(separator: " ") }.sorted().joined(separator: ", ")
                + " there (it connected to \(connection.server) and changed nothing)",
            hint: "give a SQLite database with --db PATH for this command; the README's PostgreSQL section says what works today")
    }
}
