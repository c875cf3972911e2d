/// The formats of record files (SPEC §7): a JSON array of records, one JSON
/// object per line, or RFC 4180 CSV with a header row.
public enum RecordFormat: String, CaseIterable, Sendable {
    case json, jsonl, csv

    /// The format a file name says (`.json`, `.jsonl`/`.ndjson`, `.csv`); nil when it says none.
    public static func of(path: String) -> RecordFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonl }
        if lower.hasSuffix(".json") { return .json }
        if lower.hasSuffix(".csv") { return .csv }
        return nil
    }
}

/// A record file read record by record: json arrays element by element,
/// jsonl line by line, csv row by row, through one fixed-size buffer, with
/// the size limit checked while reading. Syntax errors come out as problems
/// in file order, like a bad record's, and reading goes on where the format
/// allows it (the next line of jsonl, the next row of csv, the next element
/// of a json array whose brackets balance).
public final class RecordStream {
    public enum Item {
        case record(InputRecord)
        case problem(String)
    }

    /// The longest jsonl line or csv row kept; a longer one is a problem.
    public static let maximumRecordBytes = 16 * 1024 * 1024
    /// JSON nested deeper than this is refused (BAD-INPUT row 13).
    public static let maximumDepth = 64

    public let name: String
    public let format: RecordFormat
    public let reader: ByteReader
    private let limitMessage: (Int) -> SocializerError
    private var json: JSONArrayStream?
    private var csv: CSVStream?
    private var line = 0
    private var lineBytes: [UInt8] = []
    private var records = 0
    private var problems = 0
    private var finished = false
    private var close: (() -> Void)?

    /// `limitMessage` says what passing the reader's size limit means, for this source.
    public init(reader: ByteReader, name: String, format: RecordFormat, limitMessage: @escaping (Int) -> SocializerError,
                close: (() -> Void)? = nil) {
        self.reader = reader
        self.name = name
        self.format = format
        self.limitMessage = limitMessage
        self.close = close
        switch format {
        case .json: json = JSONArrayStream(reader, maxDepth: RecordStream.maximumDepth, maxElementBytes: RecordStream.maximumRecordBytes)
        case .csv: csv = CSVStream(reader, maxRowBytes: RecordStream.maximumRecordBytes)
        case .jsonl: break
        }
    }

    deinit { close?() }

    /// The next record or problem; nil at the end of the file.
    public func next() throws -> Item? {
        guard !finished else { return nil }
        do {
            let item = try read()
            switch item {
            case .record?: records += 1
            case .problem?: problems += 1
            case nil:
                finished = true
                if records == 0 && problems == 0 && format == .jsonl { return .problem("\(name): the file holds no records") }
            }
            return item
        } catch let error as ByteReader.LimitExceeded {
            finished = true
            throw limitMessage(error.limit)
        }
    }

    private func read() throws -> Item? {
        switch format {
        case .json:
            guard let item = try json!.next() else { return nil }
            switch item {
            case .element(let position, let value):
                guard let members = value.objectMembers else {
                    return .problem("\(name):\(position): a record must be a JSON object, not \(value.typeWithArticle)")
                }
                return .record(InputRecord(source: name, position: .text(position), fields: members, fromCSV: false))
            case .failure(let error, _):
                return .problem("\(name):\(error.position): \(error.reason)")
            }
        case .csv:
            guard let item = try csv!.next() else { return nil }
            switch item {
            case .record(let record):
                return .record(InputRecord(source: name, position: .row(record.row),
                                           fields: record.fields.map { ($0.0, $0.1.isEmpty ? .null : .string($0.1)) }, fromCSV: true))
            case .failure(let failure, _):
                return .problem("\(name):row \(failure.row): \(failure.reason)")
            }
        case .jsonl:
            while true {
                switch try JSONLines.next(reader, into: &lineBytes, line: &line, name: name) {
                case nil: return nil
                case .blank?: continue
                case .problem(let message, let fatal)?:
                    if fatal { finished = true }
                    return .problem(message)
                case .object(let members, let at)?:
                    return .record(InputRecord(source: name, position: .text(at), fields: members, fromCSV: false))
                }
            }
        }
    }
}

/// One line of a JSON Lines file at a time, with the rules every jsonl
/// reader shares: a UTF-8 byte-order mark on line 1 is refused, a line may
/// end in CRLF, blank lines are skipped, each line is one JSON object.
public enum JSONLines {
    public enum Line {
        case blank
        case object([(String, JSONValue)], TextPosition)
        /// `fatal`: reading cannot go on (a byte-order mark).
        case problem(String, fatal: Bool)
    }

    /// Reads the next line into `buffer` (reused from line to line) and parses it; nil at the end.
    public static func next(_ reader: ByteReader, into buffer: inout [UInt8], line: inout Int, name: String) throws -> Line? {
        guard let raw = try read(reader, into: &buffer, line: &line, name: name) else { return nil }
        if case .blank = raw { return .blank }
        if case .problem = raw { return raw }
        return parse(buffer, line: line, name: name)
    }

    /// Reads the next line into `buffer` without parsing it: `.object([], …)`
    /// stands for "a line to parse", which `parse` then does (a reader may
    /// try a faster way first).
    public static func read(_ reader: ByteReader, into buffer: inout [UInt8], line: inout Int, name: String) throws -> Line? {
        var truncated = false
        guard try reader.readLine(into: &buffer, maxLength: RecordStream.maximumRecordBytes, truncated: &truncated) else {
            return nil
        }
        line += 1
        if line == 1 && buffer.starts(with: [0xEF, 0xBB, 0xBF]) {
            return .problem("\(name):1:1: the text starts with a UTF-8 byte-order mark; remove it", fatal: true)
        }
        if truncated { return .problem("\(name):\(line):1: the line is longer than \(RecordStream.maximumRecordBytes) bytes", fatal: false) }
        if buffer.last == 0x0D { buffer.removeLast() }
        if buffer.first.map({ $0 == 0x20 || $0 == 0x09 }) ?? true, buffer.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return .blank }
        return .object([], TextPosition(line: line, column: 1))
    }

    /// Parses a line read by `read`: one JSON object.
    public static func parse(_ buffer: [UInt8], line: Int, name: String) -> Line {
        let value: JSONValue
        do {
            value = try JSONParser.parse(buffer, maxDepth: RecordStream.maximumDepth)
        } catch {
            return .problem("\(name):\(line):\(error.position.column): \(error.reason)", fatal: false)
        }
        guard let members = value.objectMembers else {
            return .problem("\(name):\(line):1: a record must be a JSON object, not \(value.typeWithArticle)", fatal: false)
        }
        return .object(members, TextPosition(line: line, column: 1))
    }
}
