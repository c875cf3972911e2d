import SocializerCore
import SocializerSecurity

/// The fixture record engine's writing side: the database (or some table
/// groups of it) as fixture records that `FixtureLoader` reads back to the
/// same rows (SPEC §7). Streams: one table at a time, one row at a time,
/// each written into a reused buffer that goes out in 64 KiB pieces, so
/// memory does not grow with the rows (the maps of room and message keys
/// grow with rooms and invites only).
///
/// Values are written in their fixture form: DATETIME as ISO 8601 with `Z`,
/// DATE as `YYYY-MM-DD`, BOOLEAN as true/false, JSON columns as JSON,
/// references as natural keys. Rooms are keyed `room-N` and the messages
/// an invite points at `message-N` (when invites are written too), N
/// counting rows in dump order, so a dump of a database seeded from a dump
/// is byte for byte the same.
/// Secrets (password hashes, encryption keys, memory, room passwords) are
/// written only when asked for.
///
/// Both engines: SQLite's rows are read in place from the statement
/// (`Statement` as `DumpCells`); PostgreSQL's stream through `forEachRow`
/// (`RowCells`), its values already in the seam's forms (booleans 0/1,
/// timestamps, dates and JSON as text, numbers as numbers), so the same
/// rows give the same bytes on both.
public final class FixtureDumper {
    /// How the records are laid out.
    public enum Form: Sendable, Equatable {
        /// `{"socializer_fixture": 1, "users": [...], ...}`.
        case document
        /// `{"table": …, "record": {…}}` per line.
        case lines
        /// One group: a JSON array of its records.
        case array
        /// One group: one record per line.
        case records
        /// One group: RFC 4180 CSV, the field names as header.
        case csv
    }

    let db: any Database
    let groups: [FixtureGroup]
    public let secrets: Bool
    let form: Form
    private var sink: (([UInt8]) throws -> Void)?
    /// Room id → its ordinal in dump order.
    private var roomOrdinals: [Int64: Int]?
    /// Message id → its ordinal, for the messages an invite points at.
    private var messageOrdinals: [Int64: Int]?
    private var scratch: [UInt8] = []

    static let bufferSize = 64 * 1024

    public init(_ db: any Database, groups: [FixtureGroup] = FixtureGroup.allCases, includeSecrets: Bool, form: Form) {
        self.db = db
        self.groups = groups.sorted()
        self.secrets = includeSecrets
        self.form = form
        precondition(groups.count == 1 || form == .document || form == .lines, "arrays, records and csv hold one group")
    }

    /// The fields written for a group, in order.
    public func fieldNames(_ group: FixtureGroup) -> [String] {
        if group == .users { return UserRecord.exported(secrets: secrets).map(\.name) }
        return group.schema.fields.filter { secrets || !$0.secret }.map(\.name)
    }

    /// Writes everything through `sink` (called with 64 KiB pieces and the rest at the end).
    public func write(to sink: @escaping ([UInt8]) throws -> Void) throws {
        // A local buffer, passed down inout: a class's stored array appended
        // to in a loop pays an exclusivity check per access.
        var out: [UInt8] = []
        out.reserveCapacity(FixtureDumper.bufferSize + 4096)
        self.sink = sink
        defer { self.sink = nil }
        switch form {
        case .document:
            out.append(contentsOf: "{\n\"\(FixtureReader.versionMember)\": \(FixtureReader.version)".utf8)
        case .array:
            out.append(UInt8(ascii: "["))
        case .csv:
            for (n, name) in fieldNames(groups[0]).enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                CSVText.writeField(name, to: &out)
            }
            out.append(0x0D)
            out.append(0x0A)
        case .lines, .records:
            break
        }
        var rows = 0
        for group in groups {
            if form == .document { out.append(contentsOf: ",\n\(JSONValue.quoted(group.rawValue)): [".utf8) }
            let frame = Frame(form: form, group: group, separate: form == .array && rows > 0)
            let written = group == .users ? try dumpUsers(frame, &out) : try dump(group, frame, &out)
            rows += written
            if form == .document { out.append(contentsOf: (written > 0 ? "\n]" : "]").utf8) }
        }
        switch form {
        case .document: out.append(contentsOf: "\n}\n".utf8)
        case .array: out.append(contentsOf: (rows > 0 ? "\n]\n" : "]\n").utf8)
        default: break
        }
        try sink(out)
    }

    /// What goes around each record of a group in the chosen form.
    struct Frame {
        let form: Form
        /// `{"table":"…","record":` for lines.
        let prefix: [UInt8]
        /// The first record of this group follows another's (an array's next group never: arrays hold one).
        let separate: Bool

        init(form: Form, group: FixtureGroup, separate: Bool) {
            self.form = form
            self.separate = separate
            prefix = form == .lines ? Array("{\"table\":\(JSONValue.quoted(group.rawValue)),\"record\":".utf8) : []
        }

        func open(_ out: inout [UInt8], first: Bool) {
            switch form {
            case .document, .array:
                if !first || separate { out.append(UInt8(ascii: ",")) }
                out.append(0x0A)
            case .lines:
                out.append(contentsOf: prefix)
            case .records, .csv:
                break
            }
        }

        func close(_ out: inout [UInt8]) {
            switch form {
            case .lines:
                out.append(UInt8(ascii: "}"))
                out.append(0x0A)
            case .records:
                out.append(0x0A)
            case .csv:
                out.append(0x0D)
                out.append(0x0A)
            case .document, .array:
                break
            }
        }
    }

    private func flushIfFull(_ out: inout [UInt8]) throws {
        guard out.count >= FixtureDumper.bufferSize, let sink else { return }
        try sink(out)
        out.removeAll(keepingCapacity: true)
    }

    // MARK: Tables

    /// One group's rows; returns how many.
    private func dump(_ group: FixtureGroup, _ frame: Frame, _ out: inout [UInt8]) throws -> Int {
        let plan = try DumpPlan(group.schema, secrets: secrets, dialect: db.dialect)
        // Messages are keyed for the invites that point at them, when invites are written too.
        if group == .roomMessages && groups.contains(.roomInvites) { try prepareMessageKeys() }
        if group == .chatRooms || plan.needsRooms { try prepareRoomOrdinals() }
        if plan.needsMessages && messageOrdinals == nil { try prepareMessageKeys(); try countMessageOrdinals() }
        var ordinal = 0
        var cells: [JSONValue] = []
        if let connection = db as? Connection {
            // SQLite: the values read in place, no row copied.
            let statement = try connection.prepare(plan.sql)
            defer { statement.reset() }
            while try statement.step() {
                ordinal += 1
                try dumpRow(statement, group, plan, frame, ordinal, &cells, &out)
            }
        } else {
            try db.forEachRow(plan.sql) { row in
                ordinal += 1
                try dumpRow(RowCells(row), group, plan, frame, ordinal, &cells, &out)
            }
        }
        return ordinal
    }

    /// One row of a group's dump query, in the chosen form.
    private func dumpRow<C: DumpCells>(_ statement: C, _ group: FixtureGroup, _ plan: DumpPlan, _ frame: Frame, _ ordinal: Int,
                                       _ cells: inout [JSONValue], _ out: inout [UInt8]) throws {
        let columns = plan.columns
        let names = plan.memberNames
        let rowid = statement.int64(at: 0)
        if group == .roomMessages, messageOrdinals?[rowid] != nil { messageOrdinals![rowid] = ordinal }
        frame.open(&out, first: ordinal == 1)
        if form == .csv {
            cells.removeAll(keepingCapacity: true)
            for column in columns {
                if case .ownKey = column.source, keyOrdinal(group, rowid) == nil {
                    cells.append(.null)
                } else {
                    cells.append(try value(column, statement, rowid: rowid, ordinal: ordinal, group: group))
                }
            }
            for (n, cell) in cells.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                CSVText.writeCell(cell, to: &out)
            }
        } else {
            out.append(UInt8(ascii: "{"))
            var first = true
            for n in columns.indices {
                let column = columns[n]
                if case .ownKey = column.source, keyOrdinal(group, rowid) == nil { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                out.append(contentsOf: names[n])
                try writeJSON(column, statement, rowid: rowid, ordinal: ordinal, group: group, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        frame.close(&out)
        try flushIfFull(&out)
    }

    private func dumpUsers(_ frame: Frame, _ out: inout [UInt8]) throws -> Int {
        let fields = UserRecord.exported(secrets: secrets)
        var count = 0
        try db.forEachRow("SELECT \(User.columns) FROM users ORDER BY id") { row in
            let user = try User(row: row)
            count += 1
            frame.open(&out, first: count == 1)
            if form == .csv {
                for (n, field) in fields.enumerated() {
                    if n > 0 { out.append(UInt8(ascii: ",")) }
                    CSVText.writeCell(field.value!(user), to: &out)
                }
            } else {
                out.append(UInt8(ascii: "{"))
                for (n, field) in fields.enumerated() {
                    if n > 0 { out.append(UInt8(ascii: ",")) }
                    JSONValue.writeString(field.name, to: &out)
                    out.append(UInt8(ascii: ":"))
                    field.value!(user).writeCompact(to: &out)
                }
                out.append(UInt8(ascii: "}"))
            }
            frame.close(&out)
            try flushIfFull(&out)
        }
        return count
    }

    // MARK: Keys

    /// Rooms are keyed by their rank in id order.
    private func prepareRoomOrdinals() throws {
        guard roomOrdinals == nil else { return }
        var ordinals: [Int64: Int] = [:]
        var n = 0
        try db.forEachRow("SELECT id FROM chat_rooms ORDER BY id") { row in
            n += 1
            ordinals[try row.int("id")] = n
        }
        roomOrdinals = ordinals
    }

    /// The messages invites point at get a key; their ordinals are counted
    /// as the messages are dumped.
    private func prepareMessageKeys() throws {
        guard messageOrdinals == nil else { return }
        var referenced: [Int64: Int] = [:]
        try db.forEachRow("SELECT DISTINCT message_id FROM room_invites WHERE message_id IS NOT NULL") { row in
            referenced[try row.int("message_id")] = 0
        }
        messageOrdinals = referenced
    }

    /// When invites are dumped without their messages: each referenced
    /// message's rank in id order.
    private func countMessageOrdinals() throws {
        guard var ordinals = messageOrdinals else { return }
        for id in Array(ordinals.keys) {
            ordinals[id] = Int(try db.scalarInt("SELECT count(*) FROM room_messages WHERE id <= ?", [id]))
        }
        messageOrdinals = ordinals
    }

    private func keyOrdinal(_ group: FixtureGroup, _ rowid: Int64) -> Int? {
        switch group {
        case .chatRooms: return roomOrdinals?[rowid]
        case .roomMessages: return messageOrdinals?[rowid]
        default: return nil
        }
    }

    private func key(_ space: KeySpace, _ ordinal: Int) -> String { "\(space.rawValue)-\(ordinal)" }

    // MARK: Values

    private func orphan(_ group: FixtureGroup, _ rowid: Int64, _ column: DumpColumn, _ id: Int64, _ what: String) -> SocializerError {
        SocializerError.invalid(
            "\(group.table) row \(rowid) refers to \(what) id \(id) in \(column.column ?? column.name), which \(what == "skill" ? "does not exist or has no name" : "does not exist"); "
                + "a fixture names \(what)s by their \(what == "skill" ? "name" : what == "user" ? "username" : "key") and cannot say that",
            hint: "the app does not enforce references: delete or repair that row first")
    }

    /// The fixture value of one column of the current row (the csv path).
    private func value<C: DumpCells>(_ column: DumpColumn, _ statement: C, rowid: Int64, ordinal: Int, group: FixtureGroup) throws -> JSONValue {
        var bytes: [UInt8] = []
        try writeJSON(column, statement, rowid: rowid, ordinal: ordinal, group: group, into: &bytes)
        return (try? JSONParser.parse(bytes)) ?? .null
    }

    private func writeJSON<C: DumpCells>(_ column: DumpColumn, _ statement: C, rowid: Int64, ordinal: Int, group: FixtureGroup,
                           into out: inout [UInt8]) throws {
        let i = column.index
        switch column.source {
        case .ownKey:
            let space: KeySpace = group == .chatRooms ? .room : .message
            JSONValue.writeString(key(space, keyOrdinal(group, rowid) ?? ordinal), to: &out)
        case .name(let nameIndex, let space):
            guard statement.storageClass(at: i) != .null else { return out.append(contentsOf: JSONValue.nullText) }
            guard statement.storageClass(at: nameIndex) == .text else {
                throw orphan(group, rowid, column, statement.int64(at: i), space.rawValue)
            }
            try writeText(statement, nameIndex, into: &out)
        case .room:
            guard statement.storageClass(at: i) != .null else { return out.append(contentsOf: JSONValue.nullText) }
            let id = statement.int64(at: i)
            guard let n = roomOrdinals?[id] else { throw orphan(group, rowid, column, id, "room") }
            JSONValue.writeString(key(.room, n), to: &out)
        case .message:
            guard statement.storageClass(at: i) != .null else { return out.append(contentsOf: JSONValue.nullText) }
            let id = statement.int64(at: i)
            guard let n = messageOrdinals?[id], n > 0 else { throw orphan(group, rowid, column, id, "message") }
            JSONValue.writeString(key(.message, n), to: &out)
        case .value(let kind):
            try writeValue(kind, statement, i, into: &out)
        }
    }

    private func writeText<C: DumpCells>(_ statement: C, _ i: Int32, into out: inout [UInt8]) throws {
        switch statement.storageClass(at: i) {
        case .text, .blob:
            try statement.withText(at: i) { bytes in
                guard JSONValue.isValidUTF8(bytes) else {
                    throw SocializerError.invalid("a value in the database is not UTF-8 text; a fixture cannot hold it")
                }
                JSONValue.writeString(utf8: bytes, to: &out)
            }
        case .integer: JSONValue.writeString(String(statement.int64(at: i)), to: &out)
        case .real: JSONValue.writeString(JSONValue.format(statement.double(at: i)), to: &out)
        case .null: out.append(contentsOf: JSONValue.nullText)
        }
    }

    /// A stored value in its fixture form; what does not fit its column's
    /// type is written as it is (text), for the load to refuse by name.
    private func writeValue<C: DumpCells>(_ kind: FixtureField.Kind, _ statement: C, _ i: Int32, into out: inout [UInt8]) throws {
        let storage = statement.storageClass(at: i)
        if storage == .null { return out.append(contentsOf: JSONValue.nullText) }
        switch kind {
        case .integer:
            if storage == .integer { return JSONValue.writeInteger(statement.int64(at: i), to: &out) }
            if storage == .real, case let d = statement.double(at: i), d == d.rounded(), abs(d) < 9e18 {
                return JSONValue.writeInteger(Int64(d), to: &out)
            }
        case .real:
            if storage == .real || storage == .integer {
                return out.append(contentsOf: JSONValue.format(statement.double(at: i)).utf8)
            }
        case .boolean:
            if storage == .integer || storage == .real {
                return out.append(contentsOf: statement.double(at: i) != 0 ? JSONValue.trueText : JSONValue.falseText)
            }
            let flag: Bool? = statement.withText(at: i) { bytes in
                switch String(decoding: bytes, as: UTF8.self).lowercased() {
                case "1", "true", "t", "yes": return true
                case "0", "false", "f", "no": return false
                default: return nil
                }
            }
            if let flag { return out.append(contentsOf: flag ? JSONValue.trueText : JSONValue.falseText) }
        case .datetime:
            if storage == .text {
                let done: Bool = statement.withText(at: i) { bytes in
                    if FixtureDumper.isCanonicalDateTime(bytes) {
                        // `YYYY-MM-DD HH:MM:SS.ffffff` → `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, byte for byte.
                        out.append(UInt8(ascii: "\""))
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<10]))
                        out.append(UInt8(ascii: "T"))
                        let zeroFraction = bytes[20...].allSatisfy { $0 == UInt8(ascii: "0") }
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[11..<(zeroFraction ? 19 : 26)]))
                        out.append(UInt8(ascii: "Z"))
                        out.append(UInt8(ascii: "\""))
                        return true
                    }
                    guard let time = Timestamp.parse(utf8: bytes) else { return false }
                    out.append(UInt8(ascii: "\""))
                    time.writeISO8601(to: &out)
                    out.append(UInt8(ascii: "\""))
                    return true
                }
                if done { return }
            }
        case .date:
            if storage == .text {
                let done: Bool = statement.withText(at: i) { bytes in
                    guard let day = Timestamp.parse(utf8: bytes) else { return false }
                    out.append(UInt8(ascii: "\""))
                    day.writeDate(to: &out)
                    out.append(UInt8(ascii: "\""))
                    return true
                }
                if done { return }
            }
        case .json:
            if storage == .text {
                let parsed: JSONValue? = statement.withText(at: i) { bytes in
                    if bytes.count == 2 && bytes[0] == UInt8(ascii: "{") && bytes[1] == UInt8(ascii: "}") { return .object([]) }
                    return try? JSONParser.parse(Array(bytes))
                }
                if let parsed { return parsed.writeCompact(to: &out) }
            }
            if storage == .integer { return JSONValue.writeInteger(statement.int64(at: i), to: &out) }
            if storage == .real { return out.append(contentsOf: JSONValue.format(statement.double(at: i)).utf8) }
        case .text, .oneOf, .reference, .key:
            break
        }
        try writeText(statement, i, into: &out)
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff`, what the app and this tool store.
    static func isCanonicalDateTime(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count == 26, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x20, b[13] == 0x3A, b[16] == 0x3A, b[19] == 0x2E else { return false }
        for k in [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25] where !(0x30...0x39).contains(b[k]) {
            return false
        }
        // Leave range checks (month 13, hour 25) to the parser.
        return b[5] <= 0x31 && b[8] <= 0x33 && b[11] <= 0x32 && b[14] <= 0x35 && b[17] <= 0x35
    }
}

/// How one output field of a group is read from the dump's query (a class:
/// the row loop reads it without copying its strings).
final class DumpColumn {
    enum Source {
        case value(FixtureField.Kind)
        /// A username or skill name, joined in at `nameIndex`.
        case name(nameIndex: Int32, space: KeySpace)
        case room
        case message
        case ownKey
    }
    let name: String
    let column: String?
    /// The column's index in the query (the id, for references).
    let index: Int32
    let source: Source

    init(name: String, column: String?, index: Int32, source: Source) {
        self.name = name
        self.column = column
        self.index = index
        self.source = source
    }
}

/// One group's dump query: `rowid`, then each field's column, then the
/// names its references join in; rows in rowid order (the order a load
/// writes them in).
struct DumpPlan {
    let sql: String
    let columns: [DumpColumn]
    /// Each column's `"name":`, encoded once.
    let memberNames: [[UInt8]]
    var needsRooms = false
    var needsMessages = false

    init(_ spec: FixtureTable, secrets: Bool, dialect: SQLDialect) throws {
        // Rows in id order: SQLite's rowid is the id of every table the app
        // makes with one, PostgreSQL has the id alone. A table keyed by its
        // columns (training) has no id: its rows in storage order on both
        // engines (`SQLDialect.storageOrder`), SQLite's rowid, PostgreSQL's
        // ctid (the order rows were written in, so a seeded database dumps
        // as its fixture; an UPDATE there moves a row to the end). Its first
        // column is then SQLite's rowid or PostgreSQL's row number, which
        // only error messages show.
        let keyed = spec.hasID
        let order = "t." + dialect.storageOrder(primaryKey: keyed ? ["id"] : [])
        var select = [!keyed && dialect.isPostgres ? "row_number() OVER (ORDER BY \(order))" : order]
        var joins: [String] = []
        var columns: [DumpColumn] = []
        var names: [(DumpColumn, String)] = []
        for field in spec.fields where secrets || !field.secret {
            guard let column = field.column else {
                columns.append(DumpColumn(name: field.name, column: nil, index: 0, source: .ownKey))
                continue
            }
            let index = Int32(select.count)
            select.append("t.\(column)")
            switch field.kind {
            case .reference(.user), .reference(.skill):
                let alias = "j\(joins.count)"
                let (table, name) = field.kind == .reference(.user) ? ("users", "username") : ("skills", "skill_name")
                joins.append("LEFT JOIN \(table) \(alias) ON \(alias).id = t.\(column)")
                names.append((DumpColumn(name: field.name, column: column, index: index, source: .value(field.kind)), "\(alias).\(name)"))
                columns.append(DumpColumn(name: field.name, column: column, index: index, source: .value(field.kind)))
            case .reference(.room):
                needsRooms = true
                columns.append(DumpColumn(name: field.name, column: column, index: index, source: .room))
            case .reference(.message):
                needsMessages = true
                columns.append(DumpColumn(name: field.name, column: column, index: index, source: .message))
            default:
                columns.append(DumpColumn(name: field.name, column: column, index: index, source: .value(field.kind)))
            }
        }
        // The joined names come after every column; each reference reads its own.
        for (reference, expression) in names {
            let nameIndex = Int32(select.count)
            select.append(expression)
            let space: KeySpace = reference.source == .value(.reference(.user)) ? .user : .skill
            if let position = columns.firstIndex(where: { $0.name == reference.name }) {
                columns[position] = DumpColumn(name: reference.name, column: reference.column, index: reference.index,
                                               source: .name(nameIndex: nameIndex, space: space))
            }
        }
        sql = "SELECT \(select.joined(separator: ", ")) FROM \(spec.table) t \(joins.joined(separator: " ")) ORDER BY \(order)"
        self.columns = columns
        memberNames = columns.map { column in
            var bytes: [UInt8] = []
            JSONValue.writeString(column.name, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            return bytes
        }
    }
}

extension DumpColumn.Source: Equatable {}

extension JSONValue {
    static let nullText = Array("null".utf8)
    static let trueText = Array("true".utf8)
    static let falseText = Array("false".utf8)
}

/// The current row of a dump query, read column by column without copying
/// where the engine allows: SQLite's statement itself, or a row PostgreSQL
/// sent (`RowCells`).
protocol DumpCells {
    func storageClass(at i: Int32) -> Statement.StorageClass
    func int64(at i: Int32) -> Int64
    func double(at i: Int32) -> Double
    func withText<T>(at i: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T
}

extension Statement: DumpCells {}

/// A copied row as `DumpCells`, read as SQLite's statement would read it:
/// a number asked for as text is its decimal text, as sqlite3_column_text gives it.
struct RowCells: DumpCells {
    let row: Row

    init(_ row: Row) { self.row = row }

    func storageClass(at i: Int32) -> Statement.StorageClass {
        switch row[Int(i)] {
        case .null: return .null
        case .integer: return .integer
        case .real: return .real
        case .text: return .text
        case .blob: return .blob
        }
    }

    func int64(at i: Int32) -> Int64 {
        switch row[Int(i)] {
        case .integer(let v): return v
        case .real(let d): return d.isFinite && abs(d) < 9.2e18 ? Int64(d) : 0
        case .text(let s): return Int64(s) ?? 0
        default: return 0
        }
    }

    func double(at i: Int32) -> Double {
        switch row[Int(i)] {
        case .integer(let v): return Double(v)
        case .real(let d): return d
        case .text(let s): return Double(s) ?? 0
        default: return 0
        }
    }

    func withText<T>(at i: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        switch row[Int(i)] {
        case .text(let s): return try Array(s.utf8).withUnsafeBufferPointer(body)
        case .blob(let bytes): return try bytes.withUnsafeBufferPointer(body)
        case .integer(let v): return try Array(String(v).utf8).withUnsafeBufferPointer(body)
        case .real(let d): return try Array(JSONValue.format(d).utf8).withUnsafeBufferPointer(body)
        case .null: return try body(UnsafeBufferPointer(start: nil, count: 0))
        }
    }
}
