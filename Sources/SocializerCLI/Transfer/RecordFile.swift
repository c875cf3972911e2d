#if canImport(Glibc)
import Glibc
#endif
import SocializerCore

/// One record of an import file, with where it came from for error messages.
struct InputRecord {
    /// `file:line:column` (JSON, JSON Lines) or `file:row N` (CSV).
    var location: String
    var fields: [(String, JSONValue)]
    /// CSV gives every value as text; decoders then read numbers from text.
    var fromCSV: Bool
}

/// The formats and limits of import files (SPEC §7); `RecordStream` reads them.
enum RecordFile {
    enum Format: String, CaseIterable {
        case json, jsonl, csv
    }

    /// Hard caps that keep a bad file from exhausting memory (BAD-INPUT row 13):
    /// the size is checked while reading, the depth while parsing.
    static let maximumFileBytes = FileReader.Limit.importFile
    static let maximumDepth = 64

    /// The format from `--format` when it names one, else from the extension.
    static func format(path: String, explicit: Format?) throws -> Format {
        if let explicit { return explicit }
        if path == "-" {
            throw SocializerError.usage("standard input has no name to tell its format by", hint: "pass --input-format json|jsonl|csv")
        }
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonl }
        if lower.hasSuffix(".json") { return .json }
        if lower.hasSuffix(".csv") { return .csv }
        throw SocializerError.usage("cannot tell the format of '\(path)' from its name",
                                    hint: "name it .json, .jsonl or .csv, or pass --input-format json|jsonl|csv")
    }

    static func members(_ value: JSONValue, _ location: String) throws -> [(String, JSONValue)] {
        guard let members = value.objectMembers else {
            throw SocializerError.invalid("\(location): a record must be a JSON object, not \(value.typeWithArticle)")
        }
        return members
    }
}

/// Reads typed fields out of one record, collecting every problem instead
/// of stopping at the first (BAD-INPUT row 9).
struct RecordDecoder {
    let record: InputRecord
    private(set) var errors: [String] = []
    /// Which of the record's fields were read (by index: no hashing per record).
    private var used: [Bool]

    init(_ record: InputRecord) {
        self.record = record
        used = Array(repeating: false, count: record.fields.count)
    }

    mutating func fail(_ message: String) { errors.append("\(record.location): \(message)") }

    private mutating func raw(_ name: String) -> JSONValue? {
        guard let index = record.fields.firstIndex(where: { $0.0 == name }) else { return nil }
        used[index] = true
        let value = record.fields[index].1
        return value == .null ? nil : value
    }

    func has(_ name: String) -> Bool {
        record.fields.contains { $0.0 == name && $0.1 != .null }
    }

    mutating func string(_ name: String, required: Bool = false) -> String? {
        guard let value = raw(name) else {
            if required { fail("missing field '\(name)'") }
            return nil
        }
        guard case .string(let text) = value else {
            fail("field '\(name)' must be a string, not \(value.typeWithArticle)")
            return nil
        }
        return text
    }

    mutating func bool(_ name: String) -> Bool? {
        guard let value = raw(name) else { return nil }
        switch value {
        case .bool(let b): return b
        case .integer(let i) where i == 0 || i == 1: return i == 1
        case .string(let s) where record.fromCSV:
            switch s.lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default: break
            }
        default: break
        }
        fail("field '\(name)' must be true or false")
        return nil
    }

    mutating func number(_ name: String) -> Double? {
        guard let value = raw(name) else { return nil }
        switch value {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        case .string(let s) where record.fromCSV: if let d = Double(s), d.isFinite { return d }
        default: break
        }
        fail("field '\(name)' must be a number")
        return nil
    }

    mutating func integer(_ name: String) -> Int64? {
        guard let value = raw(name) else { return nil }
        switch value {
        case .integer(let i): return i
        case .string(let s) where record.fromCSV: if let i = Int64(s) { return i }
        default: break
        }
        fail("field '\(name)' must be a whole number")
        return nil
    }

    /// A JSON value; in CSV, the cell holds JSON text.
    mutating func json(_ name: String) -> JSONValue? {
        guard let value = raw(name) else { return nil }
        if record.fromCSV, case .string(let text) = value {
            let parsed: JSONValue
            do { parsed = try JSONParser.parse(text) } catch {
                fail("field '\(name)' is not valid JSON (\(error.reason))")
                return nil
            }
            return parsed
        }
        return value
    }

    /// A DATE (`YYYY-MM-DD`), returned in the storage form.
    mutating func date(_ name: String) -> String? {
        guard let text = string(name) else { return nil }
        guard let day = Timestamp.parse(text) else {
            fail("field '\(name)' must be a date (YYYY-MM-DD)")
            return nil
        }
        return day.dateText
    }

    /// Unknown fields are errors: a typo must not silently drop data.
    mutating func finish(allowed: [String]) {
        for (index, (name, _)) in record.fields.enumerated() where !used[index] && !allowed.contains(name) {
            let hint = Suggestions.closest(to: name, among: allowed).map { " (did you mean '\($0)'?)" } ?? ""
            fail("unknown field '\(Echo.cut(name))'\(hint)")
        }
    }
}

/// An import file read record by record (SPEC §7): json arrays element by
/// element, jsonl line by line, csv row by row, through one fixed-size
/// buffer, with the size limit checked while reading. Syntax errors come
/// out as problems in file order, like a bad record's, and reading goes on
/// where the format allows it (the next line of jsonl, the next row of
/// csv, the next element of a json array whose brackets balance).
final class RecordStream {
    enum Item {
        case record(InputRecord)
        case problem(String)
    }

    /// The longest jsonl line or csv row kept; a longer one is a problem.
    static let maximumRecordBytes = 16 * 1024 * 1024

    let name: String
    let format: RecordFile.Format
    let reader: ByteReader
    private let limitMessage: (Int) -> SocializerError
    private var json: JSONArrayStream?
    private var csv: CSVStream?
    private var line = 0
    private var lineBytes: [UInt8] = []
    private var records = 0
    private var problems = 0
    private var finished = false
    private var close: (() -> Void)?

    init(reader: ByteReader, name: String, format: RecordFile.Format, limitMessage: @escaping (Int) -> SocializerError,
         close: (() -> Void)? = nil) {
        self.reader = reader
        self.name = name
        self.format = format
        self.limitMessage = limitMessage
        self.close = close
        switch format {
        case .json: json = JSONArrayStream(reader, maxDepth: RecordFile.maximumDepth, maxElementBytes: RecordStream.maximumRecordBytes)
        case .csv: csv = CSVStream(reader, maxRowBytes: RecordStream.maximumRecordBytes)
        case .jsonl: break
        }
    }

    deinit { close?() }

    /// Opens `path` (`-`: standard input) for streaming.
    static func open(_ path: String, format: RecordFile.Format, _ context: CommandContext,
                     chunkSize: Int = 64 * 1024) throws -> RecordStream {
        let limit = RecordFile.maximumFileBytes
        if path == "-" {
            let stdin = context.stdin
            return RecordStream(reader: ByteReader(chunkSize: chunkSize, limit: limit) { try stdin.read(into: $0) },
                                name: "<stdin>", format: format) { limit in
                SocializerError.invalid("the import file on standard input is longer than \(FileReader.describe(limit)), the limit for it",
                                        hint: "see INPUT LIMITS in socializer(1)")
            }
        }
        let fd = try FileReader.openForStreaming(path, what: "import file", limit: limit)
        return RecordStream(reader: ByteReader(chunkSize: chunkSize, limit: limit,
                                               source: FileReader.source(fd: fd, what: "import file", path: path)),
                            name: path, format: format, limitMessage: { FileReader.tooLarge(path, what: "import file", limit: $0) },
                            close: { _ = Glibc.close(fd) })
    }

    /// The next record or problem; nil at the end of the file.
    func next() throws -> Item? {
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
                let location = "\(name):\(position)"
                guard let members = value.objectMembers else {
                    return .problem("\(location): a record must be a JSON object, not \(value.typeWithArticle)")
                }
                return .record(InputRecord(location: location, fields: members, fromCSV: false))
            case .failure(let error, _):
                return .problem("\(name):\(error.position): \(error.reason)")
            }
        case .csv:
            guard let item = try csv!.next() else { return nil }
            switch item {
            case .record(let record):
                return .record(InputRecord(location: "\(name):row \(record.row)",
                                           fields: record.fields.map { ($0.0, $0.1.isEmpty ? .null : .string($0.1)) }, fromCSV: true))
            case .failure(let failure, _):
                return .problem("\(name):row \(failure.row): \(failure.reason)")
            }
        case .jsonl:
            while true {
                var truncated = false
                guard try reader.readLine(into: &lineBytes, maxLength: RecordStream.maximumRecordBytes, truncated: &truncated) else {
                    return nil
                }
                line += 1
                if line == 1 && lineBytes.starts(with: [0xEF, 0xBB, 0xBF]) {
                    finished = true
                    return .problem("\(name):1:1: the text starts with a UTF-8 byte-order mark; remove it")
                }
                if truncated { return .problem("\(name):\(line):1: the line is longer than \(RecordStream.maximumRecordBytes) bytes") }
                if lineBytes.last == 0x0D { lineBytes.removeLast() }
                if lineBytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                let value: JSONValue
                do {
                    value = try JSONParser.parse(lineBytes, maxDepth: RecordFile.maximumDepth)
                } catch {
                    return .problem("\(name):\(line):\(error.position.column): \(error.reason)")
                }
                let location = "\(name):\(line):1"
                guard let members = value.objectMembers else {
                    return .problem("\(location): a record must be a JSON object, not \(value.typeWithArticle)")
                }
                return .record(InputRecord(location: location, fields: members, fromCSV: false))
            }
        }
    }
}
