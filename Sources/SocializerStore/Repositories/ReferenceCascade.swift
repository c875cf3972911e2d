import SocializerCore

/// Deletes rows together with every row that refers to them, found through
/// the database's own foreign keys (`PRAGMA foreign_key_list` over every
/// table, so the app's own extra tables such as `life_events` and
/// `training_schedules` are included), children first, in the open
/// transaction. The app never turns foreign keys on, so nothing else keeps
/// references whole; doing it explicitly also works on every schema version.
///
/// What happens to a referring row:
/// - the twelve tables follow the references of SPEC §2: every one is an
///   ownership (the row is deleted) except `room_invites.message_id`, which
///   is set NULL;
/// - other tables follow their declared ON DELETE (CASCADE deletes, SET NULL
///   detaches a nullable column); without one, a reference to `users` is an
///   ownership (rows about a person go with them), and a reference to any
///   other table is set NULL when the column is nullable, deleted when not;
/// - `detach` names columns the caller wants set NULL instead (`users delete
///   --keep-logs`: `error_logs.user_id`).
public struct ReferenceCascade {
    public struct Count: Sendable, Equatable {
        public var table: String
        public var deleted: Int
        public var detached: Int
    }

    public struct Column: Hashable, Sendable {
        public var table: String
        public var column: String
        public init(_ table: String, _ column: String) {
            self.table = table
            self.column = column
        }
    }

    struct Edge {
        var child: String
        var column: String
        var parentColumn: String
        var detaches: Bool
    }

    let db: any Database
    /// Parent table → the references to it, in the order they are cleared.
    let edges: [String: [Edge]]
    public private(set) var counts: [Count] = []

    public init(_ db: any Database, detach: Set<Column> = []) throws {
        self.db = db
        let schema = try LiveSchema.read(from: db)
        // Known tables children first (the model lists parents first), then the rest by name.
        let known = SchemaModel.tableNames
        let order = schema.tables.map(\.name).sorted { a, b in
            switch (known.firstIndex(of: a), known.firstIndex(of: b)) {
            case let (i?, j?): return i > j
            case (_?, nil): return true
            case (nil, _?): return false
            case (nil, nil): return a < b
            }
        }
        var edges: [String: [Edge]] = [:]
        for name in order {
            guard let table = schema.table(name) else { continue }
            var references = table.references.map { (column: $0.column, parent: $0.parentTable, parentColumn: $0.parentColumn,
                                                     onDelete: $0.onDelete.uppercased()) }
            // A known table whose live definition lacks a declared reference still has it.
            for model in SchemaModel.table(name)?.foreignKeys ?? [] where !references.contains(where: { $0.column == model.column }) {
                references.append((model.column, model.table, "id", model.onDelete))
            }
            for reference in references {
                let nullable = !(table.columns.first { $0.name == reference.column }?.notNull ?? true)
                let modelled = SchemaModel.table(name)?.foreignKeys.first { $0.column == reference.column }
                let onDelete = modelled?.onDelete ?? reference.onDelete
                let undeclared = modelled == nil && onDelete != "CASCADE" && onDelete != "SET NULL"
                let detaches = nullable && (detach.contains(Column(name, reference.column)) || onDelete == "SET NULL"
                                            || (undeclared && reference.parent != "users"))
                edges[reference.parent, default: []].append(
                    Edge(child: name, column: reference.column, parentColumn: reference.parentColumn, detaches: detaches))
            }
        }
        self.edges = edges
    }

    /// Deletes the rows of `table` matching `condition` (SQL with bound
    /// `arguments`) and everything that refers to them; counts per table.
    public mutating func delete(from table: String, where condition: String,
                                _ arguments: [DatabaseValueConvertible?]) throws {
        try delete(table, condition, arguments, path: [table])
    }

    /// A table whose rows a repository deletes by its own rules, wherever
    /// the walk reaches it: rooms go through `RoomRepository`'s cascade (so
    /// `users delete` takes the rooms a user created through it).
    typealias Owner = @Sendable (inout ReferenceCascade, _ condition: String, _ arguments: [DatabaseValueConvertible?],
                       _ path: [String]) throws -> Void
    static let owners: [String: Owner] = ["chat_rooms": RoomRepository.deleteRooms]

    mutating func delete(_ table: String, _ condition: String, _ arguments: [DatabaseValueConvertible?],
                         path: [String]) throws {
        if let owner = ReferenceCascade.owners[table] {
            try owner(&self, condition, arguments, path)
        } else {
            try deleteRows(table, condition, arguments, path: path)
        }
    }

    /// The generic step: every reference to the rows is cleared (children
    /// deleted, nullable references detached), then the rows go. `handled`
    /// names child tables the caller has already cleared.
    mutating func deleteRows(_ table: String, _ condition: String, _ arguments: [DatabaseValueConvertible?],
                             path: [String], handled: Set<String> = []) throws {
        let quotedTable = SQL.quote(table)
        for edge in edges[table] ?? [] where !handled.contains(edge.child) {
            let column = SQL.quote(edge.column)
            let referring = "\(column) IN (SELECT \(SQL.quote(edge.parentColumn)) FROM \(quotedTable) WHERE \(condition))"
            if edge.detaches || path.contains(edge.child) {
                guard edge.detaches else {
                    throw SocializerError.invalid(
                        "\(edge.child).\(edge.column) refers back to \(table) and cannot be NULL, so those rows cannot be deleted here")
                }
                try db.execute("UPDATE \(SQL.quote(edge.child)) SET \(column) = NULL WHERE \(referring)", arguments)
                record(edge.child, detached: db.changes)
            } else {
                try delete(edge.child, referring, arguments, path: path + [edge.child])
            }
        }
        try db.execute("DELETE FROM \(quotedTable) WHERE \(condition)", arguments)
        record(table, deleted: db.changes)
    }

    private mutating func record(_ table: String, deleted: Int = 0, detached: Int = 0) {
        if let i = counts.firstIndex(where: { $0.table == table }) {
            counts[i].deleted += deleted
            counts[i].detached += detached
        } else {
            counts.append(Count(table: table, deleted: deleted, detached: detached))
        }
    }
}

extension PurgeTarget {
    /// Every nullable reference to the target's rows that the live schema
    /// shows (the app's own tables included) is set NULL batch by batch
    /// before the rows go; when those are all the references, the engine
    /// needs no foreign-key lookups (`detachesEveryReference`).
    mutating func detachReferences(_ db: any Database) throws {
        let references = try ReferenceCascade(db).edges[table] ?? []
        let detachable = references.filter { $0.detaches && $0.parentColumn == "id" }
        detaching = detachable.map { ReferenceCascade.Column($0.child, $0.column) }
        detachesEveryReference = detachable.count == references.count
    }
}
