/// The few pieces of SQL text the Store builds itself, in one place. Values
/// never go here: they are always bound parameters. Identifiers come from
/// the schema (table and column names read from `sqlite_master`), never
/// from input.
public enum SQL {
    /// `"name"`, with inner quotes doubled (https://sqlite.org/lang_keywords.html).
    public static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingAll("\"", with: "\"\"") + "\""
    }

    /// `'text'`, with inner quotes doubled: for the compiled constants that
    /// checks write into SQL (domain values, shown to operators as runnable
    /// statements). Never for input, which is always bound.
    public static func literal(_ text: String) -> String {
        "'" + text.replacingAll("'", with: "''") + "'"
    }

    /// `?, ?, ?` for `count` bound values.
    public static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    /// A `LIKE … ESCAPE '\'` pattern matching text that contains `text`:
    /// `%`, `_` and `\` in it match themselves.
    public static func containing(_ text: String) -> String {
        "%" + likeLiteral(text) + "%"
    }

    /// `text` as a `LIKE … ESCAPE '\'` pattern that matches only itself, to
    /// build prefixes and suffixes (`users:%`).
    public static func likeLiteral(_ text: String) -> String {
        text.replacingAll("\\", with: "\\\\").replacingAll("%", with: "\\%").replacingAll("_", with: "\\_")
    }

    /// `text` as a `GLOB` pattern that matches only itself (`*`, `?` and `[`
    /// in brackets), to build prefixes and suffixes that, unlike `LIKE`,
    /// compare case and every byte exactly (https://sqlite.org/lang_expr.html#glob).
    public static func globLiteral(_ text: String) -> String {
        text.replacingAll("[", with: "[[]").replacingAll("*", with: "[*]").replacingAll("?", with: "[?]")
    }
}

/// The one query builder of the repositories' lists: a fixed `SELECT …
/// FROM …`, filters added with their bound values, an order chosen from a
/// whitelisted field set (so no text from input reaches SQL), limit and
/// offset; rows decoded by the model's `init(row:)` and streamed.
public struct SelectQuery {
    let select: String
    private var conditions: [String] = []
    private var arguments: [DatabaseValueConvertible?] = []
    var order: String
    public var limit: Int64?
    public var offset: Int64 = 0

    /// `select` is the statement up to its FROM clause; `order` the ORDER BY terms.
    public init(_ select: String, order: String) {
        self.select = select
        self.order = order
    }

    /// `condition` with a `?` for each value.
    public mutating func filter(_ condition: String, _ values: DatabaseValueConvertible?...) {
        conditions.append(condition)
        arguments += values
    }

    /// Rows where any of `columns` contains `text` (LIKE, wildcards
    /// escaped, ASCII case ignored as SQLite's LIKE does: ILIKE on PostgreSQL).
    public mutating func filter(columns: [String], containing text: String) {
        let pattern = SQL.containing(text)
        conditions.append("(" + columns.map { "\($0) \(SelectQuery.likePlaceholder) ? ESCAPE '\\'" }.joined(separator: " OR ") + ")")
        arguments += columns.map { _ in pattern }
    }

    /// Written where a condition wants the engine's case-insensitive LIKE;
    /// replaced by `SQLDialect.caseInsensitiveLike` when the SQL is built.
    static let likePlaceholder = "/*like*/LIKE"

    /// The statement for SQLite.
    public var sql: String { sql(.sqlite) }

    /// The statement for `dialect`.
    public func sql(_ dialect: SQLDialect) -> String {
        let text = select + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY \(order) LIMIT ? OFFSET ?"
        return text.replacingAll(SelectQuery.likePlaceholder, with: dialect.caseInsensitiveLike)
    }

    var allArguments: [DatabaseValueConvertible?] { allArguments(.sqlite) }

    func allArguments(_ dialect: SQLDialect) -> [DatabaseValueConvertible?] {
        arguments + [limit.map(DatabaseValue.integer) ?? dialect.noLimit, offset]
    }

    /// Streams the rows, decoded; memory stays flat.
    public func each<Model>(_ db: any Database, _ decode: (Row) throws -> Model, _ body: (Model) throws -> Void) throws {
        try db.forEachRow(sql(db.dialect), allArguments(db.dialect)) { try body(decode($0)) }
    }

    /// The first row, decoded; nil when none.
    public func first<Model>(_ db: any Database, _ decode: (Row) throws -> Model) throws -> Model? {
        var limited = self
        limited.limit = 1
        return try db.firstRow(limited.sql(db.dialect), limited.allArguments(db.dialect)).map(decode)
    }
}
