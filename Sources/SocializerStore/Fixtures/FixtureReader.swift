import SocializerCore

/// A fixture file read record by record (SPEC §7), whatever its form:
///
/// - a fixture document (json): `{"socializer_fixture": 1, "users": [...], ...}`;
/// - fixture lines (jsonl): `{"table": "users", "record": {...}}` per line;
/// - for a load of one table group (`single`), that group's records alone:
///   a json array, jsonl of bare records, or csv with the field names as
///   header.
///
/// Memory holds one record: a document is read member by member and
/// element by element, lines one at a time. Syntax errors come out as
/// problems, in file order.
public final class FixtureReader {
    public enum Item {
        case record(FixtureGroup, InputRecord)
        case problem(String)
        /// A fixture line of the common kind, read in place: `withLine`
        /// gives its bytes and members until the next call, `lineRecord`
        /// the same record decoded (for whatever the fast path leaves).
        case line(FixtureGroup)
    }

    /// The fixture format this socializer writes and reads.
    public static let version: Int64 = 1
    public static let versionMember = "socializer_fixture"

    public let name: String
    let reader: ByteReader
    let single: FixtureGroup?
    private let limitMessage: (Int) -> SocializerError
    private var close: (() -> Void)?
    private enum Form {
        case document
        case lines
        case records(RecordStream)
    }
    private var form: Form
    /// Kept apart from `form` so it is advanced in place (no copy of its buffer per record).
    private var document: JSONGroupStream?
    private var group: FixtureGroup?
    private var inUnknownGroup = false
    private var sawVersion = false
    /// The document broke off (a fatal problem was reported): nothing more is said about it.
    private var brokeOff = false
    private var finished = false
    private var line = 0
    private var lineBytes: [UInt8] = []
    private var records = 0
    private var lastGroup: FixtureGroup? {
        didSet { lastGroupName = lastGroup.map { Array($0.rawValue.utf8) } ?? [] }
    }

    /// - Parameters:
    ///   - single: the one group a load of one table takes; nil for fixtures.
    ///   - limitMessage: what passing the reader's size limit means for this source.
    public init(reader: ByteReader, name: String, format: RecordFormat, single: FixtureGroup?,
                limitMessage: @escaping (Int) -> SocializerError, close: (() -> Void)? = nil) {
        self.reader = reader
        self.name = name
        self.single = single
        self.limitMessage = limitMessage
        self.close = close
        switch format {
        case .json:
            if let single {
                form = .records(RecordStream(reader: reader, name: name, format: .json, limitMessage: limitMessage))
                group = single
            } else {
                form = .document
                document = JSONGroupStream(reader, maxDepth: RecordStream.maximumDepth,
                                           maxElementBytes: RecordStream.maximumRecordBytes)
            }
        case .jsonl:
            form = .lines
        case .csv:
            precondition(single != nil, "a csv file holds the records of one table")
            form = .records(RecordStream(reader: reader, name: name, format: .csv, limitMessage: limitMessage))
            group = single
        }
    }

    deinit { close?() }

    /// The next record or problem; nil at the end of the file.
    public func next() throws -> Item? {
        guard !finished else { return nil }
        do {
            let item = try read()
            if item == nil { finished = true }
            return item
        } catch let error as ByteReader.LimitExceeded {
            finished = true
            throw limitMessage(error.limit)
        }
    }

    private func read() throws -> Item? {
        switch form {
        case .records(let stream):
            guard let item = try stream.next() else { return nil }
            switch item {
            case .record(let record): return .record(single!, record)
            case .problem(let message): return .problem(message)
            }
        case .lines:
            return try readLine()
        case .document:
            return try readDocument()
        }
    }

    /// The record's members of the current fast line.
    private var spans = JSONSpans()
    private static let tableName = Array("\"table\"".utf8)
    private static let recordName = Array("\"record\"".utf8)
    private var lastGroupName: [UInt8] = []

    /// The bytes and members of the line `.line` announced.
    public func withLine<T>(_ body: (UnsafeBufferPointer<UInt8>, [JSONSpans.Member], TextPosition) throws -> T) rethrows -> T {
        try lineBytes.withUnsafeBufferPointer { try body($0, spans.members, TextPosition(line: line, column: 1)) }
    }

    /// The line `.line` announced, decoded as every other line is.
    public func lineRecord() -> Item {
        recordItem(JSONLines.parse(lineBytes, line: line, name: name)) ?? .problem("\(name):\(line):1: not a record")
    }

    /// `{"table": NAME, "record": {…}}` with a known NAME and a record the
    /// fast path reads: its group. Matched byte by byte (blanks allowed
    /// where JSON allows them); any other shape goes the common way.
    private func fastLine() -> FixtureGroup? {
        lineBytes.withUnsafeBufferPointer { b -> FixtureGroup? in
            let end = b.count
            var i = 0
            func blanks() { while i < end, b[i] == 0x20 || b[i] == 0x09 { i += 1 } }
            func expect(_ byte: UInt8) -> Bool {
                blanks()
                guard i < end, b[i] == byte else { return false }
                i += 1
                return true
            }
            func expect(_ word: [UInt8]) -> Bool {
                blanks()
                guard JSONSpans.equal(b, i..<min(end, i + word.count), word) else { return false }
                i += word.count
                return true
            }
            guard expect(UInt8(ascii: "{")), expect(FixtureReader.tableName), expect(UInt8(ascii: ":")), expect(UInt8(ascii: "\"")) else {
                return nil
            }
            let from = i
            while i < end, b[i] != 0x22, b[i] != 0x5C, b[i] >= 0x20 { i += 1 }
            guard i < end, b[i] == 0x22 else { return nil }
            let table = from..<i
            i += 1
            guard expect(UInt8(ascii: ",")), expect(FixtureReader.recordName), expect(UInt8(ascii: ":")) else { return nil }
            blanks()
            guard let after = spans.scanObject(b, i, end) else { return nil }
            i = after
            guard expect(UInt8(ascii: "}")) else { return nil }
            blanks()
            guard i == end else { return nil }
            if let last = lastGroup, JSONSpans.equal(b, table, lastGroupName) { return last }
            guard let named = FixtureGroup(rawValue: String(decoding: UnsafeBufferPointer(rebasing: b[table]), as: UTF8.self)) else {
                return nil
            }
            lastGroup = named
            return named
        }
    }

    private func readLine() throws -> Item? {
        while true {
            guard let next = try JSONLines.read(reader, into: &lineBytes, line: &line, name: name) else {
                if records == 0 {
                    records = -1
                    return .problem("\(name): the file holds no records")
                }
                return nil
            }
            switch next {
            case .blank: continue
            case .problem(let message, let fatal):
                if fatal { finished = true }
                return .problem(message)
            case .object:
                records += 1
                if let group = fastLine() { return .line(group) }
                if let item = recordItem(JSONLines.parse(lineBytes, line: line, name: name)) { return item }
                records -= 1
                continue
            }
        }
    }

    /// What a decoded line is: a record, a problem, or nothing (a version line).
    private func recordItem(_ parsed: JSONLines.Line) -> Item? {
        switch parsed {
        case .blank: return nil
        case .problem(let message, _): return .problem(message)
        case .object(let members, let at):
                var location: String { "\(name):\(at)" }
                // In either order: a line written with sorted keys has "record" first.
                if members.count == 2, Set([members[0].0, members[1].0]) == ["table", "record"] {
                    let members = members[0].0 == "table" ? members : [members[1], members[0]]
                    guard case .string(let table) = members[0].1 else {
                        return .problem("\(location): \"table\" must name a table group, not \(members[0].1.typeWithArticle)")
                    }
                    // Lines of one table follow each other: the last name is checked first.
                    let group: FixtureGroup
                    if let last = lastGroup, last.rawValue == table {
                        group = last
                    } else {
                        guard let named = FixtureGroup(rawValue: table) else { return .problem("\(location): \(FixtureReader.unknownGroup(table))") }
                        group = named
                        lastGroup = named
                    }
                    guard case .object(let fields) = members[1].1 else {
                        return .problem("\(location): \"record\" must be a JSON object, not \(members[1].1.typeWithArticle)")
                    }
                    return .record(group, InputRecord(source: name, position: .text(at), fields: fields, fromCSV: false))
                }
                if members.count == 1, members[0].0 == FixtureReader.versionMember {
                    if let problem = FixtureReader.versionProblem(members[0].1) { return .problem("\(location): \(problem)") }
                    return nil
                }
                if let single {
                    return .record(single, InputRecord(source: name, position: .text(at), fields: members, fromCSV: false))
                }
                return .problem("\(location): expected {\"table\": NAME, \"record\": {…}} (a fixture line)")
        }
    }

    private func readDocument() throws -> Item? {
        while true {
            guard let item = try document!.next() else {
                // A document that could not be read to its end has said why; its version is no news.
                if !sawVersion && !brokeOff {
                    sawVersion = true
                    return .problem("\(name): not a socializer fixture: the document has no \"\(FixtureReader.versionMember)\": \(FixtureReader.version) member")
                }
                return nil
            }
            switch item {
            case .member(let member, let at, let value):
                if member == FixtureReader.versionMember {
                    sawVersion = true
                    if let problem = FixtureReader.versionProblem(value) { return .problem("\(name):\(at): \(problem)") }
                    continue
                }
                if FixtureGroup(rawValue: member) != nil {
                    return .problem("\(name):\(at): member \"\(member)\" must be an array of records, not \(value.typeWithArticle)")
                }
                return .problem("\(name):\(at): \(FixtureReader.unknownGroup(member))")
            case .group(let member, let at):
                group = FixtureGroup(rawValue: member)
                if group == nil {
                    if member == FixtureReader.versionMember {
                        sawVersion = true
                        return .problem("\(name):\(at): \"\(FixtureReader.versionMember)\" must be \(FixtureReader.version), not an array")
                    }
                    return .problem("\(name):\(at): \(FixtureReader.unknownGroup(member))")
                }
            case .element(let at, let value):
                guard let group else { continue }
                guard let fields = value.objectMembers else {
                    return .problem("\(name):\(at): a record must be a JSON object, not \(value.typeWithArticle)")
                }
                return .record(group, InputRecord(source: name, position: .text(at), fields: fields, fromCSV: false))
            case .failure(let error, let fatal):
                if fatal { brokeOff = true }
                return .problem("\(name):\(error.position): \(error.reason)")
            }
        }
    }

    static func versionProblem(_ value: JSONValue) -> String? {
        if case .integer(let version) = value {
            if version == FixtureReader.version { return nil }
            if version > FixtureReader.version {
                return "fixture format \(version) is newer than this socializer reads (\(FixtureReader.version))"
            }
        }
        return "\"\(versionMember)\" must be \(version), not \(value == .null ? "null" : value.compactText.count <= 20 ? value.compactText : value.typeWithArticle)"
    }

    static func unknownGroup(_ name: String) -> String {
        let names = FixtureGroup.allCases.map(\.rawValue)
        let hint = Suggestions.closest(to: name, among: names).map { " (did you mean '\($0)'?)" } ?? ""
        return "'\(Echo.cut(name))' is not a table group\(hint); the groups are \(names.joined(separator: ", "))"
    }
}
