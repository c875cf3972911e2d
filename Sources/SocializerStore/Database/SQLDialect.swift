/// The SQL that differs between the engines, in one place (SQLAlchemy's
/// dialects, GRDB's `Database`): repositories write their statements once
/// and ask the dialect for the few fragments that differ.
///
/// What both engines accept and therefore needs no fragment: `?` placeholders
/// (PostgreSQL's connection numbers them, `numberingPlaceholders`), booleans
/// bound as values (PostgreSQL reads the 0/1 SQLite stores as false/true),
/// timestamps and dates bound as their canonical text, JSON as its text,
/// `SAVEPOINT`/`RELEASE`/`ROLLBACK TO`, `"quoted"` identifiers, `coalesce`,
/// `lower`, `trim`, `count`, `IN (…)`.
public struct SQLDialect: Sendable, Equatable {
    public let engine: DatabaseLocation.Engine

    public static let sqlite = SQLDialect(engine: .sqlite)
    public static let postgres = SQLDialect(engine: .postgres)

    public var isPostgres: Bool { engine == .postgres }

    /// `"name"`, inner quotes doubled: the same rule in both engines.
    public func quote(_ identifier: String) -> String { SQL.quote(identifier) }

    /// The operator of a case-insensitive `LIKE`: SQLite's LIKE ignores
    /// ASCII case (https://sqlite.org/lang_expr.html#like), PostgreSQL's
    /// ILIKE does (under its collation's case rules).
    public var caseInsensitiveLike: String { isPostgres ? "ILIKE" : "LIKE" }

    /// `expression` compared byte by byte, as SQLite compares text (BINARY):
    /// PostgreSQL otherwise compares by the database's collation
    /// (`en_US.UTF-8` orders `B` after `a`), so ORDER BY and ranges on text
    /// would differ between the engines.
    public func bytewise(_ expression: String) -> String {
        isPostgres ? "\(expression) COLLATE \"C\"" : expression
    }

    /// The current UTC time in the canonical DATETIME form, as an SQL default.
    public var now: String {
        isPostgres ? "(now() AT TIME ZONE 'utc')" : "(strftime('%Y-%m-%d %H:%M:%f000', 'now'))"
    }

    /// Today's date, as an SQL default: the server's local date on
    /// PostgreSQL, as the app writes DATE columns (SPEC §2); UTC on SQLite.
    public var today: String { isPostgres ? "CURRENT_DATE" : "(date('now'))" }

    /// The `YYYY-MM-DD` date of a DATETIME column, as text: SQLite keeps the
    /// canonical text (its first ten characters), PostgreSQL a TIMESTAMP.
    public func dateOf(_ expression: String) -> String {
        isPostgres ? "to_char(\(expression), 'YYYY-MM-DD')" : "substr(\(expression), 1, 10)"
    }

    /// A DATETIME column, or when it is NULL a value before every time:
    /// SQLite's empty text (its DATETIMEs are text), PostgreSQL's
    /// `-infinity` (a TIMESTAMP cannot hold text).
    public func earliestIfNull(_ expression: String) -> String {
        isPostgres ? "coalesce(\(expression), '-infinity')" : "coalesce(\(expression), '')"
    }

    /// The later of two DATETIMEs, the second possibly NULL (then the
    /// first): SQLite's scalar max() would give NULL, PostgreSQL's
    /// greatest() ignores NULLs.
    public func later(_ expression: String, orNull other: String) -> String {
        isPostgres ? "greatest(\(expression), \(other))" : "max(\(expression), coalesce(\(other), ''))"
    }

    /// A JSON object column without its member `key`, written compactly,
    /// the other members in their order: SQLite's json_remove; on
    /// PostgreSQL (a JSON column, which keeps the text it was given) the
    /// members left, joined again, `{}` when none is.
    public func jsonRemovingMember(_ column: String, _ key: String) -> String {
        isPostgres
            ? "coalesce('{' || (SELECT string_agg(to_json(e.key)::text || ':' || e.value::text, ',' ORDER BY e.n) "
                + "FROM json_each(\(column)) WITH ORDINALITY AS e(key, value, n) WHERE e.key <> \(SQL.literal(key))) || '}', '{}')::json"
            : "json_remove(\(column), \(SQL.literal("$." + key)))"
    }

    /// Whether a column holds a JSON object with the member `key` (any
    /// value, JSON null included); never an error, whatever the column
    /// holds (SQLite's text may be no JSON at all; PostgreSQL's JSON column
    /// is always valid JSON).
    public func jsonHasMember(_ column: String, _ key: String) -> String {
        isPostgres
            ? "(json_typeof(\(column)) = 'object' AND \(column) -> \(SQL.literal(key)) IS NOT NULL)"
            : "json_valid(\(column)) AND json_type(\(column), \(SQL.literal("$." + key))) IS NOT NULL"
    }

    /// `expression` matched against a bound pattern exactly (case and
    /// every character compared, unlike SQLite's LIKE): SQLite's GLOB,
    /// PostgreSQL's LIKE (case-sensitive there). Patterns are built with
    /// `patternLiteral` and `patternAnything`.
    public func matchesPattern(_ expression: String) -> String {
        isPostgres ? "\(expression) LIKE ?" : "\(expression) GLOB ?"
    }

    /// `text` as a pattern of `matchesPattern` that matches only itself.
    public func patternLiteral(_ text: String) -> String {
        isPostgres ? SQL.likeLiteral(text) : SQL.globLiteral(text)
    }

    /// The pattern of `matchesPattern` for any text, the empty one included.
    public var patternAnything: String { isPostgres ? "%" : "*" }

    /// The tables a table's foreign keys refer to, as `table`, for the table named `?`.
    var referencedTablesSQL: String {
        isPostgres
            ? """
              SELECT p.relname AS "table" FROM pg_catalog.pg_constraint f
              JOIN pg_catalog.pg_class c ON c.oid = f.conrelid AND c.relnamespace = current_schema()::regnamespace
              JOIN pg_catalog.pg_class p ON p.oid = f.confrelid
              WHERE f.contype = 'f' AND c.relname = ?
              """
            : "SELECT \"table\" FROM pragma_foreign_key_list(?)"
    }

    /// A boolean constant in SQL text (defaults, conditions).
    public func boolean(_ value: Bool) -> String {
        isPostgres ? (value ? "true" : "false") : (value ? "1" : "0")
    }

    /// The bound value of `LIMIT ?` that means no limit: SQLite takes a
    /// negative one, PostgreSQL NULL (and refuses a negative one).
    public var noLimit: DatabaseValue { isPostgres ? .null : .integer(-1) }

    /// `a IS NOT b` for any values, NULL included.
    public var isDistinctFrom: String { isPostgres ? "IS DISTINCT FROM" : "IS NOT" }

    /// The ORDER BY that lists a table's rows as they are stored: SQLite's
    /// rowid (a WITHOUT ROWID table's primary key); on PostgreSQL, which has
    /// no stable row order, the primary key (every table the app makes has
    /// one), else the row's current address (`ctid`).
    public func storageOrder(primaryKey: [String], withoutRowID: Bool = false) -> String {
        if isPostgres || withoutRowID, !primaryKey.isEmpty { return primaryKey.map(SQL.quote).joined(separator: ", ") }
        return isPostgres ? "ctid" : "rowid"
    }

    /// The statement that makes the transaction just begun read every
    /// table as of one moment (a dump's one snapshot): PostgreSQL's
    /// REPEATABLE READ (its default, READ COMMITTED, takes a new snapshot per
    /// statement); none on SQLite, whose read transaction is one snapshot.
    public var snapshotTransaction: String? {
        isPostgres ? "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY" : nil
    }

    /// The schema of the connection's temporary tables: SQLite's `temp`,
    /// PostgreSQL's `pg_temp`.
    public var temporarySchema: String { isPostgres ? "pg_temp" : "temp" }

    /// The clause that ends a CREATE TABLE whose rows live in its primary
    /// key's b-tree: SQLite's WITHOUT ROWID; PostgreSQL has no such tables.
    public var withoutRowID: String { isPostgres ? "" : " WITHOUT ROWID" }

    /// The statements that give a bulk load `kib` of page cache for the
    /// main and temp databases (SQLite's `cache_size`); none on PostgreSQL,
    /// whose buffers the server owns.
    public func bulkLoadCache(kib: Int) -> [String] {
        isPostgres ? [] : ["PRAGMA main.cache_size = -\(kib)", "PRAGMA temp.cache_size = -\(kib)"]
    }

    /// Whether a column holds only values of its declared type: PostgreSQL's
    /// BOOLEAN, DATE, TIMESTAMP, JSON, INTEGER and FLOAT columns refuse
    /// anything else; SQLite's types are affinities, and any column may
    /// hold any value (https://sqlite.org/datatype3.html).
    public var enforcesColumnTypes: Bool { isPostgres }

    /// Whether an id taken by an INSERT that was rolled back is given out
    /// again: SQLite's AUTOINCREMENT counter (`sqlite_sequence`) is part of
    /// the transaction; PostgreSQL's sequences never go back.
    public var rolledBackIDsReturn: Bool { !isPostgres }

    /// The rows of an aggregate's table for which `condition` holds:
    /// SQLite sums `counted`, the same test written as 1 or 0 a row in the
    /// form it evaluates fastest; PostgreSQL counts with a FILTER (its
    /// CASE cannot mix an integer and a boolean).
    public func count(where condition: String, counted: String) -> String {
        isPostgres ? "count(*) FILTER (WHERE \(condition))" : "coalesce(sum(\(counted)), 0)"
    }

    /// The column that numbers a table's rows in reports ("rowid 4"):
    /// SQLite's rowid (the `id` of a table whose key it is); on PostgreSQL,
    /// which has no row number, the table's `id` when it has one, else none.
    public func rowNumber(hasID: Bool) -> String? {
        isPostgres ? (hasID ? "id" : nil) : "rowid"
    }

    /// The select list of a statement that shows an operator whole rows
    /// with their number: SQLite's `rowid, *`; PostgreSQL's `*` (with `id`).
    public var rowsWithNumber: String { isPostgres ? "*" : "rowid, *" }

    /// `count(*)` of the tables named `?`, in the main database or PostgreSQL's current schema.
    var tableExistsSQL: String {
        isPostgres
            ? "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?"
            : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
    }

    /// `count(*)` of the indexes named `?`, in the main database or PostgreSQL's current schema.
    var indexExistsSQL: String {
        isPostgres
            ? "SELECT count(*) FROM pg_catalog.pg_indexes WHERE schemaname = current_schema() AND indexname = ?"
            : "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?"
    }

    /// Every table, as `name`, ordered byte-wise.
    var tableNamesSQL: String {
        isPostgres
            ? "SELECT tablename AS name FROM pg_catalog.pg_tables WHERE schemaname = current_schema() ORDER BY tablename COLLATE \"C\""
            : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    }

    /// `sql` with each `?` placeholder written `$1`, `$2`, … as PostgreSQL
    /// wants them; `?` inside string literals, quoted identifiers and
    /// comments is left alone. SQL already numbered (`$1`) has no `?` and
    /// comes back as it was.
    public static func numberingPlaceholders(_ sql: String) -> String {
        let bytes = Array(sql.utf8)
        guard bytes.contains(UInt8(ascii: "?")) else { return sql }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        var number = 0
        var i = 0
        let quote = UInt8(ascii: "'"), doubleQuote = UInt8(ascii: "\""), dash = UInt8(ascii: "-")
        let slash = UInt8(ascii: "/"), star = UInt8(ascii: "*"), newline = UInt8(ascii: "\n")
        func copy(until end: (Int) -> Bool) {
            while i < bytes.count {
                out.append(bytes[i])
                i += 1
                if end(i) { return }
            }
        }
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case quote, doubleQuote:
                // A literal or identifier runs to the next unpaired quote ('' and "" are the quote itself).
                out.append(byte)
                i += 1
                while i < bytes.count {
                    out.append(bytes[i])
                    i += 1
                    if bytes[i - 1] == byte {
                        if i < bytes.count && bytes[i] == byte {
                            out.append(byte)
                            i += 1
                        } else {
                            break
                        }
                    }
                }
            case dash where i + 1 < bytes.count && bytes[i + 1] == dash:
                copy { bytes[$0 - 1] == newline }
            case slash where i + 1 < bytes.count && bytes[i + 1] == star:
                out += [slash, star]
                i += 2
                copy { $0 >= 2 && bytes[$0 - 2] == star && bytes[$0 - 1] == slash }
            case UInt8(ascii: "?"):
                number += 1
                out += Array("$\(number)".utf8)
                i += 1
            default:
                out.append(byte)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
