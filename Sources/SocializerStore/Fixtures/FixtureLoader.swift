#if canImport(Glibc)
import Glibc
#endif
import SocializerCore
import SocializerSecurity

/// The fixture record engine's loading side (SPEC §7): records of any of
/// the twelve table groups, from any number of sources, written in the
/// caller's one transaction. Table-driven: every group but `users` is
/// decoded, checked and written through its `FixtureTable` (one prepared
/// INSERT per table, values bound one by one, natural keys resolved from
/// maps in memory); `users` records go through `UserLoader`, the same code
/// as `users import` (passwords hashed on all cores, emails stored as the
/// configured scheme says, memory encrypted with the user's key).
///
/// All or nothing: every problem is collected (`problems`), the load goes
/// on to find the rest, and `finish()` throws them all; the caller's
/// transaction then rolls back. Records refer to records earlier in the
/// load or, by username and skill name, to rows already in the database.
///
/// A load restricted to some groups (`Options.groups`) is what a per-table
/// import is: records of other groups are refused.
///
/// Both engines: on SQLite each table's statements are prepared once and
/// fixture lines may take the byte-level fast path; on PostgreSQL every
/// record takes the common path and is written through the engine seam:
/// a record nothing refers back to and no unique key can refuse is
/// appended to a streaming COPY (`RowCopying`), any other by
/// `INSERT … ON CONFLICT DO NOTHING RETURNING`, so that a conflict does not
/// abort the transaction but is resolved as on SQLite.
public final class FixtureLoader {
    public struct Options {
        public var onConflict: ConflictPolicy
        /// The instant DATETIME defaults take, and DATE ones its date.
        public var now: Timestamp
        public var groups: Set<FixtureGroup>
        /// How `users` records are loaded (cost, email scheme, …); its
        /// `onConflict` is this load's.
        public var users: UserLoader.Settings
        /// The last line of a report cut at the error limit says how to see
        /// the rest, in the caller's words.
        public var raiseHint = "raise the error limit"

        public init(onConflict: ConflictPolicy, now: Timestamp, users: UserLoader.Settings,
                    groups: Set<FixtureGroup> = Set(FixtureGroup.allCases)) {
            self.onConflict = onConflict
            self.now = now
            self.users = users
            self.users.onConflict = onConflict
            self.users.writeAfterProblems = true
            self.groups = groups
        }
    }

    /// Rows created, updated and skipped in one table.
    public struct TableCount: Sendable, Equatable {
        public let group: FixtureGroup
        public var created = 0, updated = 0, skipped = 0
    }

    /// A key space entry: the row's id (`failed` when its record was bad or
    /// not written) and where its record is.
    struct Named {
        var id: Int64
        var location: String
    }

    static let interrupted = SocializerError(.interrupted, "interrupted; the open transaction was rolled back and nothing was loaded")

    static let cacheKiB = 64 * 1024

    /// The id of a record that was refused: records that refer to it are
    /// skipped without a second complaint.
    static let failed: Int64 = -1

    let db: any Database
    let options: Options
    public let problems: ProblemList
    let users: UserLoader
    private var tables: [FixtureGroup: TableLoad] = [:]
    private var userIDs: [String: Int64] = [:]
    private var skillIDs: [String: Int64] = [:]
    private var roomKeys: [String: Named] = [:]
    private var messageKeys: [String: Named] = [:]
    /// Rooms that have their AI member, and where it was given.
    private(set) var aiMembers: [Int64: String] = [:]
    /// Usernames of records handed to the users loader and not yet settled.
    private var pendingUsernames: [String] = []
    private var sourceNames: [String] = []
    private let findUserSQL = "SELECT id FROM users WHERE username = ?"
    private let findSkillSQL = "SELECT id FROM skills WHERE skill_name = ?"

    /// Opens the load inside the caller's transaction.
    public init(_ db: any Database, options: Options, maxErrors: Int) throws {
        self.db = db
        self.options = options
        problems = ProblemList(limit: maxErrors)
        users = try UserLoader(db, settings: options.users, writing: true, problems: problems)
        // A fixed 64 MiB page cache for the load: the indexes it updates stay
        // in memory instead of being read back from the file (measured: a
        // million messages load in two thirds of the time), and memory still
        // does not grow with the input.
        for statement in db.dialect.bulkLoadCache(kib: FixtureLoader.cacheKiB) { try db.execute(statement) }
        users.onWritten = { [unowned self] name, id in self.userIDs[name] = id }
    }

    /// Loads every record of one source.
    public func load(_ reader: FixtureReader) throws {
        sourceNames.append(reader.name)
        var read = 0
        while let item = try reader.next() {
            read += 1
            if read & 4095 == 0 && Interruption.isRequested { throw FixtureLoader.interrupted }
            switch item {
            case .problem(let message): problems.add(message)
            case .record(let group, let record): try add(record, to: group)
            case .line(let group):
                if try addLine(group, reader) { continue }
                // Whatever the fast path does not take goes the common way, which also says what is wrong.
                switch reader.lineRecord() {
                case .record(let group, let record): try add(record, to: group)
                case .problem(let message): problems.add(message)
                case .line: break
                }
            }
        }
    }

    /// Checks one record and writes it (users: once their chunk is full or
    /// another group's record needs them).
    public func add(_ record: InputRecord, to group: FixtureGroup) throws {
        guard options.groups.contains(group) else {
            let allowed = FixtureGroup.allCases.filter { options.groups.contains($0) }.map(\.rawValue)
            problems.add("\(record.location): a \(group.rawValue) record cannot be loaded here (this load takes \(allowed.joined(separator: ", ")))")
            return
        }
        if group == .users {
            if case .string(let name)? = record.fields.first(where: { $0.0 == "username" })?.1 { pendingUsernames.append(name) }
            try users.add(record)
            if users.pendingCount == 0 { try settleUsers() }
            return
        }
        try flushUsers()
        try table(group).add(record, self)
    }

    /// The fast path of a fixture line (`FixtureReader.Item.line`): true
    /// when the record was checked and written straight from the line's
    /// bytes; false, having changed nothing, when it is for the common path.
    func addLine(_ group: FixtureGroup, _ reader: FixtureReader) throws -> Bool {
        // SQLite only: PostgreSQL's rows are written through the seam, from records.
        guard group != .users, options.groups.contains(group), db is Connection else { return false }
        try flushUsers()
        let load = try table(group)
        return try reader.withLine { bytes, members, at in try load.addFast(bytes, members, at, reader.name, self) }
    }

    /// Writes what is pending and returns the counts, or throws every
    /// problem of the load (the caller rolls back).
    public func finish() throws -> [TableCount] {
        try flushUsers()
        try (db as? RowCopying)?.endCopy()
        guard problems.isEmpty else {
            let names = sourceNames.isEmpty ? "the input" : sourceNames.map { "'\($0)'" }.joined(separator: ", ")
            throw SocializerError.invalid("\(problems.count) problem(s) in \(names); nothing was loaded",
                                          details: problems.details(raiseHint: options.raiseHint),
                                          reason: problems.sawConflict ? .recordsExist : nil)
        }
        return counts
    }

    /// Rows per table so far, in group order, for the groups this load takes.
    public var counts: [TableCount] {
        FixtureGroup.allCases.filter { options.groups.contains($0) }.map { group in
            if group == .users {
                return TableCount(group: group, created: users.created, updated: users.updated, skipped: users.skipped)
            }
            return tables[group]?.count ?? TableCount(group: group)
        }
    }

    func flushUsers() throws {
        guard users.pendingCount > 0 || !pendingUsernames.isEmpty else { return }
        // An open COPY is ended here, not by a user's INSERT, whose failures are read as the user's.
        try (db as? RowCopying)?.endCopy()
        try users.flush()
        try settleUsers()
    }

    /// Usernames whose records were refused or not written: one already
    /// stored (the record failed as a conflict) keeps its stored id, so
    /// records referring to it are still checked; any other is marked, so
    /// that records referring to it are skipped quietly.
    func settleUsers() throws {
        for name in pendingUsernames where userIDs[name] == nil {
            if storable(name), case .integer(let id) = try db.scalar(findUserSQL, [name]) {
                userIDs[name] = id
            } else {
                userIDs[name] = FixtureLoader.failed
            }
        }
        pendingUsernames.removeAll(keepingCapacity: true)
    }

    private func table(_ group: FixtureGroup) throws -> TableLoad {
        if let load = tables[group] { return load }
        let load = try TableLoad(group.schema, db)
        tables[group] = load
        return load
    }

    // MARK: Key spaces

    /// The id `name` has in `space`; nil when nothing has it.
    func resolve(_ space: KeySpace, _ name: String) throws -> Int64? {
        switch space {
        case .user:
            if let id = userIDs[name] { return id }
            guard storable(name), case .integer(let id) = try db.scalar(findUserSQL, [name]) else { return nil }
            userIDs[name] = id
            return id
        case .skill:
            if let id = skillIDs[name] { return id }
            guard storable(name), case .integer(let id) = try db.scalar(findSkillSQL, [name]) else { return nil }
            skillIDs[name] = id
            return id
        case .room: return roomKeys[name]?.id
        case .message: return messageKeys[name]?.id
        }
    }

    /// Whether the database can hold `name` (and so be asked for it): on
    /// PostgreSQL, not with a NUL, which its record is refused for.
    private func storable(_ name: String) -> Bool {
        !(db.dialect.isPostgres && name.utf8.contains(0))
    }

    /// Where an earlier record of the load has this key.
    func earlier(_ space: KeySpace, _ key: String) -> String? {
        switch space {
        case .room: return roomKeys[key]?.location
        case .message: return messageKeys[key]?.location
        case .user, .skill: return nil
        }
    }

    func register(_ space: KeySpace, _ name: String, id: Int64, location: @autoclosure () -> String) {
        switch space {
        case .user: userIDs[name] = id
        case .skill: skillIDs[name] = id
        case .room: roomKeys[name] = Named(id: id, location: location())
        case .message: messageKeys[name] = Named(id: id, location: location())
        }
    }

    /// The AI rule of SPEC §2 (one AI member per room; UNIQUE cannot say it,
    /// NULLs being distinct): where the room's AI member was given, if it has one.
    func aiMember(of room: Int64, at location: @autoclosure () -> String) -> String? {
        if let earlier = aiMembers[room] { return earlier }
        aiMembers[room] = location()
        return nil
    }

    /// PostgreSQL cannot store a NUL character in text (SQLite can): each
    /// text value of `record` that holds one, but in the `json` fields (whose
    /// stored text writes it `\u0000`), is a problem there, named by its
    /// field (the caller adds the record's location).
    static func nulProblems(_ record: InputRecord, json: Set<String>) -> [String] {
        record.fields.compactMap { name, value in
            guard !json.contains(name), case .string(let text) = value, text.utf8.contains(0) else { return nil }
            return "\(Echo.cut(name)) holds a NUL character (\\u0000), which PostgreSQL cannot store in text"
        }
    }

    static func describe(_ space: KeySpace, _ name: String) -> String {
        switch space {
        case .user: return "user '\(Echo.cut(name))'"
        case .skill: return "skill '\(Echo.cut(name))'"
        case .room: return "room key '\(Echo.cut(name))'"
        case .message: return "message key '\(Echo.cut(name))'"
        }
    }
}

extension UserLoader {
    /// Records added and not yet loaded.
    public var pendingCount: Int { chunk.count }
}

/// One table group's share of a load: its statements, prepared once, and
/// one record's values, reused from record to record.
final class TableLoad {
    let spec: FixtureTable
    let db: any Database
    /// SQLite's connection, whose statements are prepared once (nil on PostgreSQL).
    let sqlite: Connection?
    private var insertStatement: Statement?
    private var update: Statement?
    private var conflict: Statement?
    /// How a statement names a stored row: SQLite's rowid; PostgreSQL's id,
    /// or (training, which has none) its ctid as text, good within the load's transaction.
    let rowKey: String
    /// PostgreSQL's INSERT, which says the new row's key, or nothing on a conflict.
    let returningInsertSQL: String
    var slots: [FixtureSlot]
    var given: [Bool]
    /// Field indexes of the written columns, in column order.
    let columnFields: [Int]
    /// Field indexes of the natural key's columns.
    let keyFields: [Int]
    let ownKeyField: Int?
    /// The highest rowid (id) before the load: a conflicting row above it was
    /// written by this load (a repeat within the input). Nil for a table
    /// whose rows have no such number (training on PostgreSQL): the rows
    /// the load wrote are then in `writtenRows`.
    let baseline: Int64?
    var writtenRows: Set<DatabaseValue> = []
    /// Stored rows this load updated (a second record for one is a repeat too).
    var updatedRows: Set<DatabaseValue> = []
    var count: FixtureLoader.TableCount
    private var text: [UInt8] = []
    /// Problems of the current record.
    private var failures = 0
    /// The engine's bulk append (PostgreSQL's COPY), for records nothing
    /// refers to back and no unique key can refuse: nil where every record
    /// is an INSERT (SQLite, whose prepared INSERT is as fast; tables with
    /// a natural key, whose conflicts each record resolves).
    private let copier: RowCopying?
    /// `table (column, …)`, what the COPY names.
    private let copyTarget: String
    /// Where the input gave each row of the open COPY, by its line in it.
    private var copyPositions: [(source: String, position: RecordPosition)] = []

    init(_ spec: FixtureTable, _ db: any Database) throws {
        self.spec = spec
        self.db = db
        sqlite = db as? Connection
        insertStatement = try sqlite?.prepare(spec.insertSQL)
        rowKey = sqlite != nil ? "rowid" : spec.hasID ? "id" : "ctid::text"
        returningInsertSQL = spec.insertSQL + (spec.naturalKey.isEmpty ? "" : " ON CONFLICT DO NOTHING") + " RETURNING \(rowKey)"
        slots = Array(repeating: .null, count: spec.fields.count)
        given = Array(repeating: false, count: spec.fields.count)
        columnFields = spec.fields.indices.filter { spec.fields[$0].column != nil }
        keyFields = spec.naturalKey.map { column in spec.fields.firstIndex { $0.column == column }! }
        ownKeyField = spec.fields.firstIndex { if case .key = $0.kind { return true } else { return false } }
        baseline = sqlite != nil || spec.hasID ? try db.scalarInt("SELECT coalesce(max(\(rowKey)), 0) FROM \(spec.table)") : nil
        count = FixtureLoader.TableCount(group: spec.group)
        text.reserveCapacity(32)
        copier = sqlite == nil && spec.naturalKey.isEmpty ? db as? RowCopying : nil
        copyTarget = "\(spec.table) (\(spec.columns.joined(separator: ", ")))"
    }

    /// Says where the input gave line N of the open COPY, for its error.
    private lazy var locateCopied: (Int) -> String? = { [weak self] line in
        guard let self, line >= 1 && line <= self.copyPositions.count else { return nil }
        let (source, position) = self.copyPositions[line - 1]
        return InputRecord.location(source, position)
    }

    /// The fields whose column is JSON (a NUL in their text is stored escaped).
    private lazy var jsonFields: Set<String> = Set(spec.fields.filter {
        if case .json = $0.kind { return true } else { return false }
    }.map(\.name))

    /// Field names' lengths, compared before the names (most differ in length).
    private lazy var nameLengths: [Int] = spec.fields.map(\.name.utf8.count)

    private func index(of name: String) -> Int? {
        let length = name.utf8.count
        let lengths = nameLengths
        let fields = spec.fields
        for i in fields.indices where lengths[i] == length && fields[i].name == name { return i }
        return nil
    }

    /// Field names as bytes, for the fast path: one flat buffer (no array
    /// per name to retain in the loop), each name's start, and a key of
    /// length and first byte compared before the bytes.
    private lazy var nameFlat: [UInt8] = spec.fields.flatMap { Array($0.name.utf8) }
    private lazy var nameStarts: [Int] = spec.fields.reduce(into: [0]) { $0.append($0.last! + $1.name.utf8.count) }
    private lazy var nameKeys: [Int] = spec.fields.map { $0.name.utf8.count << 8 | Int($0.name.utf8.first ?? 0) }
    /// The enumerations' values as bytes.
    private lazy var choiceBytes: [[[UInt8]]] = spec.fields.map { field in
        if case .oneOf(let values) = field.kind { return values.map { Array($0.utf8) } }
        return []
    }

    /// The fast path: a record whose every value is plainly valid, read
    /// from the line's bytes and written. Anything else (a value to decode,
    /// to check by name rules, to report; a reference to resolve otherwise;
    /// a conflict) returns false before anything is changed, for `add`.
    func addFast(_ b: UnsafeBufferPointer<UInt8>, _ members: [JSONSpans.Member], _ at: TextPosition, _ source: String,
                 _ loader: FixtureLoader) throws -> Bool {
        guard decodeFast(b, members, loader.options.now) else { return false }
        for i in columnFields {
            guard case .name(let name) = slots[i], case .reference(let space) = spec.fields[i].kind else { continue }
            guard let id = try loader.resolve(space, name), id != FixtureLoader.failed else { return false }
            slots[i] = .value(.integer(id))
        }
        var ownKey: String?
        if let k = ownKeyField, case .name(let key) = slots[k], case .key(let space) = spec.fields[k].kind {
            if loader.earlier(space, key) != nil { return false }
            ownKey = key
        }
        var aiRoom: Int64?
        if spec.group == .roomMembers {
            guard let ai = fastAIMember(loader) else { return false }
            aiRoom = ai
        }
        guard let insert = insertStatement, let sqlite else { return false }
        try bind(insert, line: b)
        do {
            try insert.run()
        } catch let error as DatabaseError where error.isUniqueConstraint && !spec.naturalKey.isEmpty {
            return false
        }
        count.created += 1
        let location = InputRecord.location(source, .text(at))
        if let room = aiRoom, room >= 0 { _ = loader.aiMember(of: room, at: location) }
        if let space = spec.names?.space, let name = ownKey ?? nameValue(line: b) {
            loader.register(space, name, id: sqlite.lastInsertedRowID, location: location)
        }
        return true
    }

    /// The room whose AI this member is (-1: a person), or nil when the
    /// member breaks the AI rule (for the common path to report).
    private func fastAIMember(_ loader: FixtureLoader) -> Int64? {
        guard let userField = spec.fields.firstIndex(where: { $0.name == "user" }),
              let roleField = spec.fields.firstIndex(where: { $0.name == "role" }),
              let roomField = spec.fields.firstIndex(where: { $0.name == "room" }),
              case .value(let user) = slots[userField], case .value(.text(let role)) = slots[roleField],
              case .value(.integer(let room)) = slots[roomField] else { return nil }
        let isAI = role == MemberRole.ai.rawValue
        if user == .null {
            return isAI && loader.aiMembers[room] == nil ? room : nil
        }
        return isAI ? nil : -1
    }

    /// The record's values from the line's bytes into `slots`; false at the
    /// first that is not plainly valid.
    private func decodeFast(_ b: UnsafeBufferPointer<UInt8>, _ members: [JSONSpans.Member], _ now: Timestamp) -> Bool {
        return withLocalSlots { slots, given in
            let fields = spec.fields
            let keys = nameKeys, starts = nameStarts
            for i in given.indices { given[i] = false }
            let matched = nameFlat.withUnsafeBufferPointer { flat -> Bool in
                for member in members {
                    let name = member.name
                    let key = name.count << 8 | (name.isEmpty ? 0 : Int(b[name.lowerBound]))
                    var found = -1
                    for i in keys.indices where keys[i] == key
                        && memcmp(b.baseAddress! + name.lowerBound, flat.baseAddress! + starts[i], name.count) == 0 {
                        found = i
                        break
                    }
                    guard found >= 0, let slot = fastValue(b, member, fields[found], found) else { return false }
                    given[found] = true
                    slots[found] = slot
                }
                return true
            }
            guard matched else { return false }
            for i in given.indices where !given[i] {
                guard let slot = FixtureValueCodec.defaultSlot(fields[i], now: now) else { return false }
                slots[i] = slot
            }
            return true
        }
    }

    private func fastValue(_ b: UnsafeBufferPointer<UInt8>, _ member: JSONSpans.Member, _ field: FixtureField, _ index: Int) -> FixtureSlot? {
        let range = member.value
        switch (field.kind, member.kind) {
        case (.json, .null) where !field.nullable: return .value(.text("null"))
        case (_, .null): return field.nullable ? .null : nil
        case (.text(nil, nil), .string): return .bytes(range)
        case (.integer(let bounds), .integer):
            guard let value = JSONSpans.integer(b, range), bounds?.contains(value) ?? true else { return nil }
            return .value(.integer(value))
        case (.boolean, .trueLiteral): return .value(.integer(1))
        case (.boolean, .falseLiteral): return .value(.integer(0))
        case (.boolean, .integer):
            guard let value = JSONSpans.integer(b, range), value == 0 || value == 1 else { return nil }
            return .value(.integer(value))
        case (.date, .string):
            return Timestamp.parse(utf8: UnsafeBufferPointer(rebasing: b[range])).map(FixtureSlot.date)
        case (.datetime, .string):
            return Timestamp.parse(utf8: UnsafeBufferPointer(rebasing: b[range])).map(FixtureSlot.datetime)
        case (.json, .emptyObject): return .emptyObject
        case (.oneOf(let values), .string):
            let choices = choiceBytes[index]
            for j in choices.indices where JSONSpans.equal(b, range, choices[j]) { return .value(.text(values[j])) }
            return nil
        case (.reference, .string), (.key, .string):
            guard !range.isEmpty else { return nil }
            return .name(String(decoding: UnsafeBufferPointer(rebasing: b[range]), as: UTF8.self))
        default:
            return nil
        }
    }

    func fail(_ loader: FixtureLoader, _ record: InputRecord, _ message: String, conflict: Bool = false) {
        failures += 1
        loader.problems.add("\(record.location): \(message)", conflict: conflict)
    }

    func add(_ record: InputRecord, _ loader: FixtureLoader) throws {
        failures = 0
        if sqlite == nil {
            for problem in FixtureLoader.nulProblems(record, json: jsonFields) { fail(loader, record, problem) }
        }
        decode(record, loader)
        // References: to earlier records of the load, or (users, skills) to stored rows.
        var broken = false
        for i in columnFields {
            guard case .name(let name) = slots[i], case .reference(let space) = spec.fields[i].kind else { continue }
            guard let id = try loader.resolve(space, name) else {
                fail(loader, record, "unknown \(FixtureLoader.describe(space, name))" + (space == .room || space == .message
                    ? " (no earlier record of the fixture has that key)" : ""))
                continue
            }
            if id == FixtureLoader.failed { broken = true }
            slots[i] = .value(.integer(id))
        }
        var ownKey: String?
        if let k = ownKeyField, case .name(let key) = slots[k], case .key(let space) = spec.fields[k].kind {
            ownKey = key
            if let earlier = loader.earlier(space, key) {
                fail(loader, record, "\(FixtureLoader.describe(space, key)) appears twice in the input (first at \(earlier))")
                return
            }
        }
        if failures == 0 && !broken && spec.group == .roomMembers { checkAIMember(record, loader) }
        guard failures == 0 && !broken else {
            markFailed(ownKey, record, loader)
            return
        }
        try write(record, loader, ownKey: ownKey)
    }

    /// Runs `body` on `slots` and `given` as local arrays, swapped in and
    /// out: a class's stored array mutated in a loop pays an exclusivity
    /// check per access.
    @inline(__always)
    private func withLocalSlots<R>(_ body: (inout [FixtureSlot], inout [Bool]) -> R) -> R {
        var slots: [FixtureSlot] = []
        var given: [Bool] = []
        swap(&slots, &self.slots)
        swap(&given, &self.given)
        defer {
            swap(&slots, &self.slots)
            swap(&given, &self.given)
        }
        return body(&slots, &given)
    }

    /// The record's values into `slots`, defaults where it gives none.
    private func decode(_ record: InputRecord, _ loader: FixtureLoader) {
        withLocalSlots { slots, given in
            let fields = spec.fields
            for i in given.indices { given[i] = false }
            for (name, value) in record.fields {
                guard let i = index(of: name) else {
                    fail(loader, record, RecordDecoder.unknownField(name, allowed: fields.map(\.name)))
                    continue
                }
                given[i] = true
                switch FixtureValueCodec.decode(value, fields[i], fromCSV: record.fromCSV) {
                case .success(let slot): slots[i] = slot
                case .failure(let problem): fail(loader, record, problem.message)
                }
            }
            for i in given.indices where !given[i] {
                if let slot = FixtureValueCodec.defaultSlot(fields[i], now: loader.options.now) {
                    slots[i] = slot
                } else {
                    fail(loader, record, "missing field '\(fields[i].name)'")
                }
            }
        }
    }

    /// `user: null` is the room's AI: its role is `ai`, and a room has one.
    private func checkAIMember(_ record: InputRecord, _ loader: FixtureLoader) {
        guard let userField = spec.fields.firstIndex(where: { $0.name == "user" }),
              let roleField = spec.fields.firstIndex(where: { $0.name == "role" }),
              let roomField = spec.fields.firstIndex(where: { $0.name == "room" }),
              case .value(let user) = slots[userField], case .value(.text(let role)) = slots[roleField],
              case .value(.integer(let room)) = slots[roomField] else { return }
        if user == .null {
            if role != MemberRole.ai.rawValue {
                fail(loader, record, "a member with user null is the room's AI; its role must be ai, not \(role)")
            } else if let earlier = loader.aiMember(of: room, at: record.location) {
                fail(loader, record, "the room already has its AI member (at \(earlier)); a room has one")
            }
        } else if role == MemberRole.ai.rawValue {
            fail(loader, record, "role ai is the room's AI, which has user null; a person's role is creator or member")
        }
    }

    private func markFailed(_ ownKey: String?, _ record: InputRecord, _ loader: FixtureLoader) {
        guard let space = spec.names?.space else { return }
        if let name = ownKey ?? nameValue() { loader.register(space, name, id: FixtureLoader.failed, location: record.location) }
    }

    /// The value of the field that names this table's rows (skills: the name).
    private func nameValue(line: UnsafeBufferPointer<UInt8>? = nil) -> String? {
        guard let names = spec.names, let i = spec.fields.firstIndex(where: { $0.name == names.field }) else { return nil }
        switch slots[i] {
        case .name(let text), .value(.text(let text)): return text
        case .bytes(let range): return line.map { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
        default: return nil
        }
    }

    private func bind(_ statement: Statement, rowid: Int64? = nil, line: UnsafeBufferPointer<UInt8>? = nil) throws {
        statement.clear()
        var parameter: Int32 = 1
        for i in columnFields {
            switch slots[i] {
            case .value(let value): try statement.bind(value, at: parameter)
            case .datetime(let time):
                text.removeAll(keepingCapacity: true)
                time.writeDatabaseText(to: &text)
                try text.withUnsafeBufferPointer { try statement.bind(text: $0, at: parameter) }
            case .date(let day):
                text.removeAll(keepingCapacity: true)
                day.writeDate(to: &text)
                try text.withUnsafeBufferPointer { try statement.bind(text: $0, at: parameter) }
            case .bytes(let range):
                guard let line else { throw SocializerError.internalError("\(spec.table).\(spec.fields[i].name) refers to a line no longer read") }
                try statement.bind(text: UnsafeBufferPointer(rebasing: line[range]), at: parameter)
            case .name:
                throw unresolved(i)
            }
            parameter += 1
        }
        if let rowid { try statement.bind(rowid, at: parameter) }
    }

    /// The record's values in column order, as bound (the PostgreSQL path).
    private func values() throws -> [DatabaseValue] {
        try columnFields.map { i -> DatabaseValue in
            switch slots[i] {
            case .value(let value): return value
            case .datetime(let time): return .text(time.databaseText)
            case .date(let day):
                var text: [UInt8] = []
                day.writeDate(to: &text)
                return .text(String(decoding: text, as: UTF8.self))
            case .bytes, .name:
                throw unresolved(i)
            }
        }
    }

    /// A slot still holding a name or line bytes when its row is written: a bug.
    private func unresolved(_ field: Int) -> SocializerError {
        .internalError("\(spec.table).\(spec.fields[field].name) was not resolved before writing")
    }

    /// The record's values in column order as one row of COPY's text format (the PostgreSQL bulk path).
    private func copyText() throws -> [UInt8] {
        text.removeAll(keepingCapacity: true)
        for (n, i) in columnFields.enumerated() {
            if n > 0 { text.append(UInt8(ascii: "\t")) }
            switch slots[i] {
            case .value(let value): try PostgresCopyText.append(value, to: &text)
            case .datetime(let time): time.writeDatabaseText(to: &text)
            case .date(let day): day.writeDate(to: &text)
            case .bytes, .name:
                throw unresolved(i)
            }
        }
        text.append(UInt8(ascii: "\n"))
        return text
    }

    private func write(_ record: InputRecord, _ loader: FixtureLoader, ownKey: String?) throws {
        let key: DatabaseValue
        if let insert = insertStatement, let sqlite {
            try bind(insert)
            do {
                try insert.run()
            } catch let error as DatabaseError where error.isUniqueConstraint && !spec.naturalKey.isEmpty {
                try resolveConflict(record, loader, error)
                return
            }
            key = .integer(sqlite.lastInsertedRowID)
        } else if let copier, ownKey == nil, nameValue() == nil {
            // Nothing will refer to this row by its id, and no unique key can refuse it: it is appended.
            let line = try copier.copyRow(into: copyTarget, try copyText(), locate: locateCopied)
            if line == 1 { copyPositions.removeAll(keepingCapacity: true) }
            copyPositions.append((record.source, record.position))
            count.created += 1
            return
        } else {
            let values = try values()
            let inserted: Row?
            do {
                inserted = try db.firstRow(returningInsertSQL, values)
            } catch var error as PostgresError where error.location == nil && !error.endedCopy {
                // PostgreSQL refused the row (a constraint of its own): say which record.
                error.location = record.location
                throw error
            }
            guard let row = inserted else {
                try resolveConflict(record, loader, nil)
                return
            }
            key = row[0]
            if baseline == nil { writtenRows.insert(key) }
        }
        count.created += 1
        if let space = spec.names?.space, let name = ownKey ?? nameValue(), case .integer(let id) = key {
            loader.register(space, name, id: id, location: record.location)
        }
    }

    /// Whether the stored row `key` was written by this load (a record repeated in the input).
    private func writtenByLoad(_ key: DatabaseValue) -> Bool {
        if updatedRows.contains(key) { return true }
        if let baseline, case .integer(let number) = key { return number > baseline }
        return writtenRows.contains(key)
    }

    /// The stored row the record's natural key matches (nil: none).
    private func conflictingRow() throws -> DatabaseValue? {
        var key: [DatabaseValue] = []
        for i in keyFields {
            guard case .value(let value) = slots[i] else { return nil }
            key.append(value)
        }
        if let sqlite {
            if conflict == nil { conflict = try sqlite.prepare(spec.conflictSQL) }
            let statement = conflict!
            statement.clear()
            for (n, value) in key.enumerated() { try statement.bind(value, at: Int32(n + 1)) }
            defer { statement.reset() }
            return try statement.step() ? .integer(statement.int64(at: 0)) : nil
        }
        return try db.firstRow(spec.conflictSQL(rowKey: rowKey), key)?[0]
    }

    /// A record whose natural key a stored row has: a repeat within the
    /// input is always a problem; a row that was there before the load is
    /// failed, skipped or overwritten as `--on-conflict` says. `error` is
    /// SQLite's unique violation (PostgreSQL's INSERT said nothing).
    private func resolveConflict(_ record: InputRecord, _ loader: FixtureLoader, _ error: DatabaseError?) throws {
        guard let rowid = try conflictingRow() else {
            // Another UNIQUE constraint than the natural key's: the engine's own error.
            if let error { throw error }
            try db.execute(spec.insertSQL, try values())
            throw SocializerError.internalError("\(spec.table): a record conflicted with a stored row that no key names")
        }
        let what = describeKey(record)
        if writtenByLoad(rowid) {
            fail(loader, record, "\(what) appears twice in the input")
            return
        }
        let id: Int64? = if case .integer(let id) = rowid { id } else { nil }
        switch loader.options.onConflict {
        case .fail:
            fail(loader, record, "\(what) already exists", conflict: true)
        case .skip:
            count.skipped += 1
            if let space = spec.names?.space, let name = nameValue(), let id { loader.register(space, name, id: id, location: record.location) }
        case .update:
            if let sqlite {
                if update == nil { update = try sqlite.prepare(spec.updateSQL) }
                try bind(update!, rowid: id)
                try update!.run()
                updatedRows.insert(rowid)
            } else {
                // A ctid changes with the UPDATE: the row's new one is what a repeat would find.
                let condition = spec.hasID ? "id = ?" : "ctid = ?::tid"
                let row = try db.firstRow(spec.updateSQL(rowIs: condition) + " RETURNING \(rowKey)", try values() + [rowid])
                updatedRows.insert(row?[0] ?? rowid)
            }
            count.updated += 1
            if let space = spec.names?.space, let name = nameValue(), let id { loader.register(space, name, id: id, location: record.location) }
        }
    }

    /// "skill 'empathy'", "the user_skills record of user 'ada', skill 'empathy'".
    private func describeKey(_ record: InputRecord) -> String {
        let parts = keyFields.map { i -> String in
            let field = spec.fields[i]
            let given = record.fields.first { $0.0 == field.name }?.1
            let text: String
            switch given {
            case .string(let value)?: text = field.name == "token" ? RevokedToken.shorten(value) : Echo.cut(value)
            case let value?: text = value.compactText
            case nil: text = "(default)"
            }
            return "\(field.name) '\(text)'"
        }
        if spec.group == .skills { return "skill \(parts[0].dropFirst("skill_name ".count))" }
        return "the \(spec.table) record of " + parts.joined(separator: ", ")
    }
}
