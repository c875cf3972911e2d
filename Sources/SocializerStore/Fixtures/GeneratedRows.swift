import CSQLite
import SocializerCore

/// Where `FixtureGenerator` writes one table's rows, whichever engine holds
/// it (the engine seam for bulk writes): values are set by column, from 1,
/// then the row is written, as with SQLite's prepared statement, which is
/// one. On PostgreSQL it is a `CopyRowSink`, whose rows go out through
/// COPY … FROM STDIN (`RowCopying`). The generator's table functions are
/// written once against this.
public protocol RowSink: AnyObject {
    /// Forgets the values of the previous row: a value not set is NULL.
    func clear()
    func bind(_ value: DatabaseValue, at index: Int32) throws
    /// UTF-8 text held in the caller's buffer (copied).
    func bind(text bytes: UnsafeBufferPointer<UInt8>, at index: Int32) throws
    func bind(_ value: Int64, at index: Int32) throws
    func bind(_ value: Double, at index: Int32) throws
    func bindNull(at index: Int32) throws
    /// Writes the row.
    func run() throws
    /// The id of the row just written (tables with an `id`).
    var insertedID: Int64 { get }
}

extension Statement: RowSink {
    /// SQLite's rowid of the last INSERT on the connection.
    public var insertedID: Int64 { sqlite3_last_insert_rowid(database.pointer) }
}

/// The row sinks of one generation, and what ends it: on SQLite prepared
/// INSERTs (nothing to end); on PostgreSQL COPY rows, gathered per table
/// and sent in the fixture groups' order, so that a row always reaches
/// the server after every row it refers to (`FixtureGroup` lists each
/// table after the tables it refers to); the tables' sequences are then
/// set past the ids written.
public final class RowSinks {
    let db: any Database
    let copier: RowCopying?
    /// PostgreSQL's sinks, in the order they were made.
    var copySinks: [CopyRowSink] = []
    /// Bytes gathered in the sinks and not yet sent.
    var pendingBytes = 0
    /// What is gathered before it is sent (then every sink's rows go, in group order).
    static let flushBytes = 1 << 20

    /// Whether the sequences are set past the ids written (not in a dry
    /// run: a `setval` is not undone by the rollback, and the ids written
    /// explicitly need no sequence moved to be rolled back).
    let settingSequences: Bool

    public init(_ db: any Database, settingSequences: Bool = true) {
        self.db = db
        self.settingSequences = settingSequences
        copier = db is Connection ? nil : db as? RowCopying
    }

    /// The sink of `table`'s `columns` (every one but `id`). On PostgreSQL
    /// a table with an id gets it written explicitly, the next after its
    /// highest as SQLite's rowid is, so that both engines give the same ids.
    public func sink(_ table: String, columns: [String]) throws -> any RowSink {
        guard let copier else {
            return try db.sqliteConnection().prepare(
                "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(SQL.placeholders(columns.count)))")
        }
        if let made = copySinks.first(where: { $0.table == table }) { return made }
        let hasID = SchemaModel.hasID(table)
        let lastID = hasID ? try db.scalarInt("SELECT coalesce(max(id), 0) FROM \(table)") : nil
        let sink = CopyRowSink(table: table, columns: columns, lastID: lastID, owner: self, copier: copier)
        copySinks.append(sink)
        copySinks.sort { FixtureGroup(rawValue: $0.table).map(rank) ?? 0 < FixtureGroup(rawValue: $1.table).map(rank) ?? 0 }
        return sink
    }

    private func rank(_ group: FixtureGroup) -> Int { FixtureGroup.allCases.firstIndex(of: group)! + 1 }

    /// A sink gathered a row of `bytes`.
    func gathered(_ bytes: Int) throws {
        pendingBytes += bytes
        if pendingBytes >= RowSinks.flushBytes { try flush() }
    }

    /// Sends every gathered row, table by table in group order.
    func flush() throws {
        for sink in copySinks { try sink.send() }
        pendingBytes = 0
    }

    /// Sends what is left and ends the COPY; on PostgreSQL sets each
    /// written table's sequence to its highest id, so the app's next
    /// INSERT (without an id) gets the one after.
    public func finish() throws {
        guard let copier else { return }
        try flush()
        try copier.endCopy()
        for sink in copySinks where settingSequences && sink.lastID != nil && sink.written > 0 {
            try db.execute("SELECT setval(pg_get_serial_sequence(?, 'id'), max(id)) FROM \(sink.table)", [sink.table])
        }
    }
}

/// One PostgreSQL table's rows in COPY's text format (`PostgresCopyText`),
/// gathered until `RowSinks` sends them.
final class CopyRowSink: RowSink {
    let table: String
    /// `table (column, …[, id])`.
    let target: String
    unowned let owner: RowSinks
    let copier: RowCopying
    /// Each column's escaped text, nil for NULL.
    var values: [[UInt8]?]
    /// The id last written, when the table has one.
    var lastID: Int64?
    var written = 0
    /// Rows gathered, each ended by a newline, and where each ends.
    var pending: [UInt8] = []
    var ends: [Int] = []
    var row: [UInt8] = []

    init(table: String, columns: [String], lastID: Int64?, owner: RowSinks, copier: RowCopying) {
        self.table = table
        target = "\(table) (\((columns + (lastID == nil ? [] : ["id"])).joined(separator: ", ")))"
        self.lastID = lastID
        self.owner = owner
        self.copier = copier
        values = Array(repeating: nil, count: columns.count)
    }

    var insertedID: Int64 { lastID ?? 0 }

    func clear() {
        for i in values.indices { values[i] = nil }
    }

    /// The emptied buffer of column `index` (1-based), to write its value into.
    private func slot(_ index: Int32, _ body: (inout [UInt8]) throws -> Void) throws {
        let i = Int(index) - 1
        guard values.indices.contains(i) else { throw SocializerError.internalError("\(table) has no column \(index) to set") }
        var bytes = values[i] ?? []
        values[i] = nil
        bytes.removeAll(keepingCapacity: true)
        try body(&bytes)
        values[i] = bytes
    }

    func bind(_ value: DatabaseValue, at index: Int32) throws {
        if case .null = value { return try bindNull(at: index) }
        try slot(index) { try PostgresCopyText.append(value, to: &$0) }
    }

    func bind(text bytes: UnsafeBufferPointer<UInt8>, at index: Int32) throws {
        try slot(index) { try PostgresCopyText.append(text: bytes, to: &$0) }
    }

    func bind(_ value: Int64, at index: Int32) throws { try bind(.integer(value), at: index) }

    func bind(_ value: Double, at index: Int32) throws { try bind(.real(value), at: index) }

    func bindNull(at index: Int32) throws {
        let i = Int(index) - 1
        guard values.indices.contains(i) else { throw SocializerError.internalError("\(table) has no column \(index) to set") }
        values[i] = nil
    }

    func run() throws {
        let start = pending.count
        for (n, value) in values.enumerated() {
            if n > 0 { pending.append(UInt8(ascii: "\t")) }
            if let value { pending.append(contentsOf: value) } else { PostgresCopyText.appendNull(&pending) }
        }
        if let id = lastID {
            lastID = id + 1
            pending.append(UInt8(ascii: "\t"))
            try PostgresCopyText.append(.integer(id + 1), to: &pending)
        }
        pending.append(UInt8(ascii: "\n"))
        ends.append(pending.count)
        written += 1
        try owner.gathered(pending.count - start)
    }

    /// Hands the gathered rows to the COPY into this table.
    func send() throws {
        var start = 0
        for end in ends {
            row.removeAll(keepingCapacity: true)
            row.append(contentsOf: pending[start..<end])
            _ = try copier.copyRow(into: target, row) { _ in nil }
            start = end
        }
        pending.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }
}
