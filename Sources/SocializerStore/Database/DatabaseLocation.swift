import SocializerCore

/// Which database a command works on, and with which engine: a SQLite file
/// (a path, or a SQLAlchemy `sqlite:///` URL) or a PostgreSQL server (a
/// `postgresql://` URL). Parsed once, from the option or variable that
/// named it; nothing else in the tool reads the raw text again.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresURL)

    public enum Engine: String, Sendable { case sqlite = "SQLite", postgres = "PostgreSQL" }

    public var engine: Engine {
        switch self {
        case .sqlite: return .sqlite
        case .postgres: return .postgres
        }
    }

    /// The path, or the URL with its password shown as `***`: what messages show.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url): return url.redacted
        }
    }

    /// The path, or the URL without its password: what a command to paste
    /// names (the password is then found where libpq looks, or asked for).
    public var commandText: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url): return url.withoutPassword
        }
    }

    /// Reads `text`; `source` names where it came from in messages (an
    /// option or an environment variable, as the CLI calls it). With
    /// `urlOnly` a plain path is refused: the app's `$DATABASE_URL` always
    /// holds a URL.
    ///
    /// SQLite URLs follow SQLAlchemy (https://docs.sqlalchemy.org/en/20/core/engines.html#sqlite):
    /// `sqlite:///relative.db` (three slashes, relative to the current
    /// folder), `sqlite:////absolute.db` (four), a driver such as
    /// `sqlite+pysqlite://` allowed; the path is taken as written (SQLAlchemy
    /// does not percent-decode it either). In-memory databases, query
    /// options and a host or user in the URL are refused.
    public static func parse(_ text: String, source: String, urlOnly: Bool = false) throws -> DatabaseLocation {
        if text.isEmpty {
            throw SocializerError.usage("\(source) is empty", hint: "give the path of a database file or a database URL")
        }
        if text == ":memory:" || text.hasPrefix("file:") {
            throw SocializerError.usage("\(source) '\(Echo.cut(text))' is not a file path: in-memory databases and URIs are not supported",
                                        hint: "give the path of a database file")
        }
        guard let scheme = urlScheme(of: text) else {
            // `postgresql:/host/db`, `sqlite:app.db`: a URL with a slash
            // missing, not a file of that name (and it may hold a password).
            let prefix = text.prefix { $0 != ":" }.lowercased().split(separator: "+", maxSplits: 1).first.map(String.init) ?? ""
            if prefix.count < text.count, ["postgresql", "postgres", "sqlite"].contains(prefix) {
                throw SocializerError.usage("\(source) starts like a \(prefix) URL but has no '://' after the scheme (not shown: it may hold a password)",
                                            hint: "write sqlite:///PATH (four slashes for an absolute path) or postgresql://USER@HOST/DATABASE")
            }
            if urlOnly {
                throw SocializerError.usage("\(source) is not a database URL (not shown: it may hold a password)",
                                            hint: "write sqlite:///PATH (four slashes for an absolute path) or postgresql://USER@HOST/DATABASE")
            }
            return .sqlite(path: text)
        }
        let base = scheme.lowercased().split(separator: "+", maxSplits: 1).first.map(String.init) ?? ""
        if PostgresURL.isPostgresScheme(scheme) {
            return .postgres(try PostgresURL(text, source: source))
        }
        guard base == "sqlite" else {
            throw SocializerError.usage("\(source) is a '\(Echo.cut(base, maximumLength: 20))' URL; socializer works with SQLite and PostgreSQL databases",
                                        hint: "write a path, sqlite:///PATH or postgresql://USER@HOST/DATABASE")
        }
        return .sqlite(path: try sqlitePath(text[text.index(text.startIndex, offsetBy: scheme.count + 3)...], source: source))
    }

    /// `scheme` of `scheme://…`, when `text` starts like a URL (RFC 3986
    /// scheme characters; SQLAlchemy's `dialect+driver` fits them).
    static func urlScheme(of text: String) -> String? {
        guard let separator = text.firstRange(of: "://") else { return nil }
        let scheme = text[..<separator.lowerBound]
        let letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        guard let first = scheme.first, letters.contains(first),
              scheme.allSatisfy({ letters.contains($0) || "0123456789+.-_".contains($0) }) else { return nil }
        return String(scheme)
    }

    /// The file of `sqlite:///…` (what follows `sqlite://`).
    static func sqlitePath(_ rest: Substring, source: String) throws -> String {
        let hint = "write sqlite:///relative/path.db or sqlite:////absolute/path.db"
        if rest.contains("?") {
            throw SocializerError.usage("the sqlite URL in \(source) has query options, which socializer does not support", hint: hint)
        }
        guard rest.first == "/" else {
            if rest.isEmpty {
                throw SocializerError.usage("the sqlite URL in \(source) names an in-memory database, which socializer does not support",
                                            hint: hint)
            }
            throw SocializerError.usage("the sqlite URL in \(source) names a host or user (not shown); a SQLite URL names a file only",
                                        hint: hint)
        }
        let path = String(rest.dropFirst())
        if path.isEmpty || path == ":memory:" {
            throw SocializerError.usage("the sqlite URL in \(source) names an in-memory database, which socializer does not support",
                                        hint: hint)
        }
        return path
    }
}
