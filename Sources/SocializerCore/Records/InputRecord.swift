/// Where a record starts in its file: a line and column (JSON, JSON Lines)
/// or a row (CSV, counting the header as row 1).
public enum RecordPosition: Sendable, Equatable {
    case text(TextPosition)
    case row(Int)
}

/// One record of an import or fixture file, with where it came from for
/// error messages. The location text is made only when a message needs it,
/// so a bulk load does not build a string per record.
public struct InputRecord {
    /// The file's name as given (`<stdin>` for standard input).
    public var source: String
    public var position: RecordPosition
    public var fields: [(String, JSONValue)]
    /// CSV gives every value as text; decoders then read numbers from text.
    public var fromCSV: Bool

    public init(source: String, position: RecordPosition, fields: [(String, JSONValue)], fromCSV: Bool) {
        self.source = source
        self.position = position
        self.fields = fields
        self.fromCSV = fromCSV
    }

    /// `file:line:column` (JSON, JSON Lines) or `file:row N` (CSV).
    public var location: String { InputRecord.location(source, position) }

    public static func location(_ source: String, _ position: RecordPosition) -> String {
        switch position {
        case .text(let at): return "\(source):\(at.line):\(at.column)"
        case .row(let row): return "\(source):row \(row)"
        }
    }
}

/// Reads typed fields out of one record, collecting every problem instead
/// of stopping at the first (BAD-INPUT row 9).
public struct RecordDecoder {
    public let record: InputRecord
    public private(set) var errors: [String] = []
    /// Which of the record's fields were read (by index: no hashing per record).
    private var used: [Bool]

    public init(_ record: InputRecord) {
        self.record = record
        used = Array(repeating: false, count: record.fields.count)
    }

    public mutating func fail(_ message: String) { errors.append("\(record.location): \(message)") }

    private mutating func raw(_ name: String) -> JSONValue? {
        guard let index = record.fields.firstIndex(where: { $0.0 == name }) else { return nil }
        used[index] = true
        let value = record.fields[index].1
        return value == .null ? nil : value
    }

    public func has(_ name: String) -> Bool {
        record.fields.contains { $0.0 == name && $0.1 != .null }
    }

    public mutating func string(_ name: String, required: Bool = false) -> String? {
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

    public mutating func bool(_ name: String) -> Bool? {
        guard let value = raw(name) else { return nil }
        if let b = RecordDecoder.boolean(value, fromCSV: record.fromCSV) { return b }
        fail("field '\(name)' must be true or false")
        return nil
    }

    /// true/false, 0/1, and in CSV their text.
    public static func boolean(_ value: JSONValue, fromCSV: Bool) -> Bool? {
        switch value {
        case .bool(let b): return b
        case .integer(let i) where i == 0 || i == 1: return i == 1
        case .string(let s) where fromCSV:
            switch s.lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default: return nil
            }
        default: return nil
        }
    }

    public mutating func number(_ name: String) -> Double? {
        guard let value = raw(name) else { return nil }
        if let d = RecordDecoder.number(value, fromCSV: record.fromCSV) { return d }
        fail("field '\(name)' must be a number")
        return nil
    }

    /// A finite number; in CSV, its text.
    public static func number(_ value: JSONValue, fromCSV: Bool) -> Double? {
        switch value {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        case .string(let s) where fromCSV: if let d = Double(s), d.isFinite { return d }
        default: break
        }
        return nil
    }

    public mutating func integer(_ name: String) -> Int64? {
        guard let value = raw(name) else { return nil }
        if let i = RecordDecoder.integer(value, fromCSV: record.fromCSV) { return i }
        fail("field '\(name)' must be a whole number")
        return nil
    }

    /// A whole number; in CSV, its text.
    public static func integer(_ value: JSONValue, fromCSV: Bool) -> Int64? {
        switch value {
        case .integer(let i): return i
        case .string(let s) where fromCSV: return Int64(s)
        default: return nil
        }
    }

    /// A JSON value; in CSV, the cell holds JSON text.
    public mutating func json(_ name: String) -> JSONValue? {
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
    public mutating func date(_ name: String) -> String? {
        guard let text = string(name) else { return nil }
        guard let day = Timestamp.parse(text) else {
            fail("field '\(name)' must be a date (YYYY-MM-DD)")
            return nil
        }
        return day.dateText
    }

    /// Unknown fields are errors: a typo must not silently drop data.
    public mutating func finish(allowed: [String]) {
        for (index, (name, _)) in record.fields.enumerated() where !used[index] && !allowed.contains(name) {
            fail(RecordDecoder.unknownField(name, allowed: allowed))
        }
    }

    /// "unknown field 'nmae' (did you mean 'name'?)".
    public static func unknownField(_ name: String, allowed: [String]) -> String {
        let hint = Suggestions.closest(to: name, among: allowed).map { " (did you mean '\($0)'?)" } ?? ""
        return "unknown field '\(Echo.cut(name))'\(hint)"
    }
}
