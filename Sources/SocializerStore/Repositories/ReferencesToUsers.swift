import SocializerCore

/// Every column of the database that refers to a user, and the rows that
/// refer to one: what "everything the database holds about a person" is
/// made of (`users takeout`).
///
/// The columns are read as `ReferenceCascade` reads them: the live
/// schema's foreign keys (so the app's own extra tables, `life_events`,
/// `training_schedules`, and any table it adds later, are included), plus
/// the compiled references of the twelve tables (a known table whose live
/// definition lacks one, as in the app's own schema, still has it). Only
/// references to `users.id` count: that is the only key the app's models
/// refer to.
public struct ReferencesToUsers {
    public let db: any Database
    /// Every (table, column) referring to `users.id`, tables by name, each
    /// table's columns in the table's column order.
    public let columns: [ReferenceCascade.Column]
    private let schema: LiveSchema

    public init(_ db: any Database) throws {
        self.db = db
        schema = try LiveSchema.read(from: db)
        var columns: [ReferenceCascade.Column] = []
        for table in schema.tables {
            var referring = table.references.filter { $0.parentTable == "users" && $0.parentColumn == "id" }.map(\.column)
            for model in SchemaModel.table(table.name)?.foreignKeys ?? [] where model.table == "users" && !referring.contains(model.column) {
                referring.append(model.column)
            }
            // In the table's column order (the pragma lists foreign keys last declared first).
            let names = table.columns.map(\.name)
            referring.sort { (names.firstIndex(of: $0) ?? names.count) < (names.firstIndex(of: $1) ?? names.count) }
            columns += referring.map { ReferenceCascade.Column(table.name, $0) }
        }
        self.columns = columns
    }

    /// The tables with a column referring to users, by name.
    public var tables: [String] {
        var seen = Set<String>()
        return columns.map(\.table).filter { seen.insert($0).inserted }
    }

    /// The columns of `table` that refer to users.
    public func columns(of table: String) -> [String] {
        columns.filter { $0.table == table }.map(\.column)
    }

    /// Every row of `table` that refers to the user through any of
    /// `columns` (by default every referring column of the table), all its
    /// columns as stored, in storage order (`SQLDialect.storageOrder`). Table and column names come from the schema; the
    /// user's id is bound.
    public func rows(of table: String, through columns: [String]? = nil, referringTo userID: Int64,
                     _ body: (Row) throws -> Void) throws {
        let referring = (columns ?? self.columns(of: table)).filter(self.columns(of: table).contains)
        guard !referring.isEmpty, let live = schema.table(table) else { return }
        let condition = referring.map { "\(SQL.quote($0)) = ?" }.joined(separator: " OR ")
        let key = live.columns.filter { $0.primaryKeyPosition > 0 }.sorted { $0.primaryKeyPosition < $1.primaryKeyPosition }.map(\.name)
        let order = db.dialect.storageOrder(primaryKey: key, withoutRowID: live.sql.uppercased().contains("WITHOUT ROWID"))
        try db.forEachRow("SELECT * FROM \(SQL.quote(table)) WHERE \(condition) ORDER BY \(order)", referring.map { _ in userID }, body)
    }
}
