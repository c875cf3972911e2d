import SocializerCore
import SocializerStore

/// PostgreSQL as far as this version goes: the URL is read, libpq is
/// loaded and the server is connected to, so what can go wrong there is
/// reported as it will be once the commands run on PostgreSQL (libpq
/// missing 69, server unreachable 69, login refused 77, no such database
/// 66); then every command that uses the database stops with exit 69,
/// having changed nothing, because its repositories are written for SQLite
/// only so far (issue 16 ports them behind one engine seam).
enum PostgresSupport {
    static func refuseUnported(_ url: PostgresURL, _ context: CommandContext) throws -> Never {
        context.verbose("database: \(url.redacted) (PostgreSQL)")
        let connection = try PostgresConnection(url: url, environment: context.environment,
                                                lockTimeoutMilliseconds: context.globals.busyTimeoutMilliseconds)
        context.verbose("connected to PostgreSQL \(connection.serverVersion / 10000).\(connection.serverVersion % 10000) at \(connection.server)"
                        + " through \(connection.library)")
        let command = context.path.joined(separator: " ")
        throw SocializerError(.unavailable,
            "'\(command)' does not run on PostgreSQL yet: this version of socializer works on SQLite databases only "
                + "(it connected to \(connection.server) and changed nothing)",
            hint: "give a SQLite database with --db PATH; the README's PostgreSQL section says what works today")
    }
}
