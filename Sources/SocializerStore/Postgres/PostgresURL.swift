import SocializerCore

/// A PostgreSQL connection URL as the app's `DATABASE_URL` holds it
/// (SQLAlchemy: `postgresql://`, `postgresql+psycopg2://` and other
/// drivers) or as `psql` takes it (`postgres://`). libpq parses and uses it
/// (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS);
/// this type only checks what must hold before any of it is shown or
/// handed over, and knows the password so that nothing ever prints it.
///
/// A driver suffix is dropped: socializer always talks to the server
/// through libpq, so the URL's query parameters must be libpq's (`sslmode`,
/// `host`, `connect_timeout`, …).
///
/// Refused, because libpq and SQLAlchemy would read them differently (and
/// libpq would then quote part of the password in its error): a second `@`,
/// an `@` after the first `/` or in the query, and a `%` in the user name or
/// password that is not followed by two hex digits. Percent-encode such
/// characters (`@` is `%40`, `/` is `%2F`).
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// What libpq receives: the URL with its scheme written `postgresql://`.
    public let connectionText: String
    /// The URL with the password (and `password=`/`sslpassword=` query
    /// values) replaced by `***`, as SQLAlchemy's `hide_password` shows it:
    /// the only form messages and `-v` print.
    public let redacted: String
    /// The URL without its password (and without `password=`/`sslpassword=`
    /// query parameters) and without a driver suffix in its scheme: what a
    /// command to paste names (`psql URL`,
    /// `socializer --db URL`), which then finds the password where libpq
    /// looks for one (`$PGPASSWORD`, `~/.pgpass`) or asks for it, instead of
    /// sending `***`.
    public let withoutPassword: String
    /// The user name, decoded; nil when the URL names none (libpq then uses
    /// `$PGUSER` or the login name).
    public let user: String?
    /// The host part as written (`db.example:5432`, `h1,h2`); empty for
    /// libpq's default (a Unix socket, or `$PGHOST`).
    public let hostPart: String
    /// Every secret the URL holds, as written and decoded: scrubbed from any
    /// text libpq returns before it is shown.
    let secrets: [String]

    public var description: String { redacted }

    /// Whether `text` starts with a PostgreSQL scheme (any case, any driver).
    public static func isPostgresScheme(_ scheme: String) -> Bool {
        let base = scheme.lowercased().split(separator: "+", maxSplits: 1).first.map(String.init) ?? ""
        return base == "postgresql" || base == "postgres"
    }

    /// Parses `text`, which starts with `scheme://`; `source` names where it
    /// came from in messages (the CLI passes its option or variable name).
    /// A refused URL is never quoted: it may hold a password.
    public init(_ text: String, source: String) throws {
        guard let separator = text.firstRange(of: "://") else {
            throw PostgresURL.refusal(source, "has no '://' after its scheme")
        }
        let scheme = text[..<separator.lowerBound]
        guard PostgresURL.isPostgresScheme(String(scheme)) else {
            throw PostgresURL.refusal(source, "is not a postgresql:// URL")
        }
        let rest = text[separator.upperBound...]
        let queryStart = rest.firstIndex(of: "?") ?? rest.endIndex
        let beforeQuery = rest[..<queryStart]
        let query = queryStart == rest.endIndex ? "" : rest[rest.index(after: queryStart)...]

        let ats = rest.indices.filter { rest[$0] == "@" }
        var user: String?
        var secrets: [String] = []
        var shownCredentials = ""
        var afterCredentials = beforeQuery
        if let at = ats.first {
            guard ats.count == 1, at < queryStart else {
                throw PostgresURL.refusal(source, "holds more than one '@' or an '@' in its query",
                                          hint: "percent-encode '@' in the user name or password as %40")
            }
            if let slash = beforeQuery.firstIndex(of: "/"), slash < at {
                throw PostgresURL.refusal(source, "has a '/' before the '@' that ends its user name and password",
                                          hint: "percent-encode '/' in the password as %2F")
            }
            let credentials = beforeQuery[..<at]
            afterCredentials = beforeQuery[beforeQuery.index(after: at)...]
            let colon = credentials.firstIndex(of: ":")
            let rawUser = credentials[..<(colon ?? credentials.endIndex)]
            guard let decodedUser = PostgresURL.percentDecoded(rawUser) else {
                throw PostgresURL.refusal(source, "has a '%' in its user name that is not followed by two hex digits",
                                          hint: "write '%' itself as %25")
            }
            user = decodedUser.isEmpty ? nil : decodedUser
            shownCredentials = String(rawUser)
            if let colon {
                let rawPassword = credentials[credentials.index(after: colon)...]
                guard let decoded = PostgresURL.percentDecoded(rawPassword) else {
                    throw PostgresURL.refusal(source, "has a '%' in its password that is not followed by two hex digits",
                                              hint: "write '%' itself as %25")
                }
                secrets += [String(rawPassword), decoded]
                shownCredentials += ":***"
            }
            shownCredentials += "@"
        }
        hostPart = String(afterCredentials[..<(afterCredentials.firstIndex(of: "/") ?? afterCredentials.endIndex)])

        var shownQuery: [String] = []
        var keptQuery: [String] = []
        for parameter in query.split(separator: "&", omittingEmptySubsequences: false) {
            let equals = parameter.firstIndex(of: "=")
            let key = PostgresURL.percentDecoded(parameter[..<(equals ?? parameter.endIndex)]) ?? ""
            guard let equals, PostgresURL.secretParameters.contains(key.lowercased()) else {
                shownQuery.append(String(parameter))
                keptQuery.append(String(parameter))
                continue
            }
            let rawValue = parameter[parameter.index(after: equals)...]
            guard let decoded = PostgresURL.percentDecoded(rawValue) else {
                throw PostgresURL.refusal(source, "has a '%' in its \(key) parameter that is not followed by two hex digits",
                                          hint: "write '%' itself as %25")
            }
            secrets += [String(rawValue), decoded]
            shownQuery.append(String(parameter[..<equals]) + "=***")
        }

        self.user = user
        self.secrets = secrets.filter { !$0.isEmpty }
        let shownRest = shownCredentials + afterCredentials + (queryStart == rest.endIndex ? "" : "?" + shownQuery.joined(separator: "&"))
        redacted = scheme.lowercased() + "://" + shownRest
        let keptCredentials = shownCredentials.hasSuffix(":***@") ? String(shownCredentials.dropLast(5)) + "@" : shownCredentials
        // psql takes no SQLAlchemy driver suffix (`postgresql+psycopg2`); socializer takes either.
        withoutPassword = "postgresql://" + keptCredentials + afterCredentials
            + (keptQuery.allSatisfy(\.isEmpty) ? "" : "?" + keptQuery.filter { !$0.isEmpty }.joined(separator: "&"))
        connectionText = "postgresql://" + rest
    }

    /// libpq's connection parameters that hold secrets.
    static let secretParameters: Set<String> = ["password", "sslpassword"]

    static func refusal(_ source: String, _ problem: String, hint: String? = nil) -> SocializerError {
        .usage("the PostgreSQL URL in \(source) \(problem) (not shown: it may hold a password)",
               hint: hint ?? "write postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMETER=VALUE&…]")
    }

    /// `text` with `%XX` sequences decoded (as UTF-8); nil when a `%` is not
    /// followed by two hex digits or the bytes are not UTF-8.
    static func percentDecoded<S: StringProtocol>(_ text: S) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.popFirst().flatMap(hexValue), let low = iterator.popFirst().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// `text` (a message from libpq or the server) with every secret of this
    /// URL replaced by `***`: libpq never quotes a password it was given in
    /// any message we know of, and this makes sure of it.
    public func scrubbed(_ text: String) -> String {
        secrets.sorted { $0.count > $1.count }.reduce(text) { $0.replacingAll($1, with: "***") }
    }
}
