import SocializerCore

/// One result row, its values copied out of SQLite. Typed accessors throw
/// a domain error naming the column when the stored value does not fit, and
/// an internal error when the column is not in the result at all (a query
/// and its decoder that disagree are a bug, not bad data).
public struct Row: Sendable {
    let index: ColumnIndex
    public let values: [DatabaseValue]

    public var columns: [String] { index.names }

    public init(columns: [String], values: [DatabaseValue]) {
        self.init(index: ColumnIndex(columns), values: values)
    }

    init(index: ColumnIndex, values: [DatabaseValue]) {
        self.index = index
        self.values = values
    }

    /// The value of `column`; nil when the result has no such column.
    public subscript(_ column: String) -> DatabaseValue? {
        guard let i = index.position(of: column) else { return nil }
        return values[i]
    }

    /// The value of `column`, which the result must have.
    public func value(_ column: String) throws -> DatabaseValue {
        guard let value = self[column] else {
            throw SocializerError.internalError("column \(column) is not in the result (columns: \(columns.joined(separator: ", ")))")
        }
        return value
    }

    public subscript(_ index: Int) -> DatabaseValue { values[index] }

    /// A stored value the model cannot read, named by where it is stored:
    /// its table and column, and the row's id when the result carries it
    /// (so that the operator can find it, and `doctor` lists all such).
    private func typeError(_ column: String, _ expected: String) -> SocializerError {
        guard let position = index.position(of: column), let origin = index.origins[position] else {
            return .invalid("column \(column) holds a value that is not \(expected)", reason: .unreadableStoredValue)
        }
        var row = ""
        if let key = index.origins.firstIndex(where: { $0?.table == origin.table && ["id", "rowid"].contains($0?.column) }),
           case .integer(let id) = values[key] {
            row = " (row id \(id))"
        }
        return .invalid("\(origin.table).\(origin.column) holds a value that is not \(expected)\(row)", reason: .unreadableStoredValue)
    }

    public func int(_ column: String) throws -> Int64 {
        switch try value(column) {
        case .integer(let v): return v
        case .real(let d) where d == d.rounded() && abs(d) < 9e18: return Int64(d)
        case .text(let s): if let v = Int64(s) { return v }
        default: break
        }
        throw typeError(column, "an integer")
    }

    public func optionalInt(_ column: String) throws -> Int64? {
        try value(column).isNull ? nil : try int(column)
    }

    public func double(_ column: String) throws -> Double {
        switch try value(column) {
        case .integer(let v): return Double(v)
        case .real(let d): return d
        case .text(let s): if let v = Double(s) { return v }
        default: break
        }
        throw typeError(column, "a number")
    }

    public func optionalDouble(_ column: String) throws -> Double? {
        try value(column).isNull ? nil : try double(column)
    }

    public func string(_ column: String) throws -> String {
        switch try value(column) {
        case .text(let s): return s
        case .integer(let v): return String(v)
        case .real(let d): return String(d)
        case .blob(let b):
            // Text that is not UTF-8 is read as its bytes; it is never repaired behind the caller's back.
            guard let text = String(validating: b, as: UTF8.self) else { throw typeError(column, "UTF-8 text") }
            return text
        case .null: throw typeError(column, "text")
        }
    }

    public func optionalString(_ column: String) throws -> String? {
        try value(column).isNull ? nil : try string(column)
    }

    /// BOOLEAN: 0/1 as SQLAlchemy writes; also the text forms older rows use.
    public func bool(_ column: String) throws -> Bool {
        switch try value(column) {
        case .integer(let v): return v != 0
        case .real(let d): return d != 0
        case .text(let s):
            switch s.lowercased() {
            case "1", "true", "t", "yes": return true
            case "0", "false", "f", "no": return false
            default: break
            }
        default: break
        }
        throw typeError(column, "a boolean")
    }

    /// DATETIME or DATE text in any ISO 8601 form.
    public func timestamp(_ column: String) throws -> Timestamp {
        if case .text(let s) = try value(column), let t = Timestamp.parse(s) { return t }
        throw typeError(column, "a date or time")
    }

    public func optionalTimestamp(_ column: String) throws -> Timestamp? {
        try value(column).isNull ? nil : try timestamp(column)
    }
}

/// A result's column names, built once per statement and shared by its
/// rows. Finding a name compares each column's length and first byte before
/// the text itself, so a decoder reading a row by name never pays for a full
/// string comparison against the wrong columns (a plain scan of the names
/// showed as a tenth of a large export; hashing them cost more still).
final class ColumnIndex: Sendable {
    let names: [String]
    private let keys: [UInt32]
    /// The table column each result column reads, where SQLite knows it
    /// (not for an expression); empty when no engine said.
    let origins: [Origin?]

    struct Origin: Sendable, Equatable {
        var table: String
        var column: String
    }

    init(_ names: [String], origins: [Origin?] = []) {
        self.names = names
        keys = names.map(ColumnIndex.key)
        self.origins = origins.count == names.count ? origins : Array(repeating: nil, count: names.count)
    }

    private static func key(_ name: String) -> UInt32 {
        UInt32(truncatingIfNeeded: name.utf8.count) << 8 | UInt32(name.utf8.first ?? 0)
    }

    func position(of name: String) -> Int? {
        let wanted = ColumnIndex.key(name)
        for i in keys.indices where keys[i] == wanted && names[i] == name { return i }
        return nil
    }
}
