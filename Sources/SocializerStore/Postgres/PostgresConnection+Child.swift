import SocializerCore

extension PostgresConnection {
    /// How a PostgreSQL client program (`pg_dump`) reaches the database
    /// this connection reached, without a secret on its command line: the
    /// URL's settings as libpq parses them, written as a keyword/value
    /// connection string (`host='…' dbname='…'`) without the password,
    /// which goes in the child's `PGPASSWORD` instead (environment only,
    /// never argv). The `PG*` variables and `~/.pgpass` the child inherits
    /// supply the rest, as they did for this connection.
    public struct ChildSettings: Sendable {
        /// `--dbname` of the child: a connection string holding no secret.
        public let connectionString: String
        /// The URL's password, for the child's `PGPASSWORD`; nil when the URL has none.
        public let password: String?
    }

    /// Refused (64) when the URL holds a secret no environment variable can
    /// carry (`sslpassword`): it would have to go on the command line.
    public func childSettings() throws -> ChildSettings {
        var password: String?
        var parts: [String] = []
        var keywords: Set<String> = []
        for (keyword, value) in try PostgresConnection.parameters(of: url, pq) {
            switch keyword {
            case "password":
                password = value
            case "sslpassword":
                throw SocializerError.usage("the PostgreSQL URL \(url.redacted) holds sslpassword, which pg_dump could only be given on its command line",
                                            hint: "leave sslpassword out of the URL (use an unencrypted client key, or let pg_dump ask for it)")
            default:
                keywords.insert(keyword)
                parts.append("\(keyword)=\(PostgresConnection.conninfoQuoted(value))")
            }
        }
        if !keywords.contains("connect_timeout") { parts.append("connect_timeout=10") }
        parts.append("fallback_application_name=socializer")
        return ChildSettings(connectionString: parts.joined(separator: " "), password: password)
    }

    /// A value in a keyword/value connection string: single-quoted, with
    /// `\` and `'` escaped by a backslash (libpq-connect.html#LIBPQ-CONNSTRING).
    static func conninfoQuoted(_ value: String) -> String {
        "'" + value.replacingAll("\\", with: "\\\\").replacingAll("'", with: "\\'") + "'"
    }
}
