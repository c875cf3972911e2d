import SocializerCore

/// One result row, its values copied out of SQLite. Typed accessors throw
/// a domain error naming the column when the stored value does not fit.
public struct Row: Sendable {
    public let columns: [String]
    public let values: [DatabaseValue]

    public init(columns: [String], values: [DatabaseValue]) {
        self.columns = columns
        self.values = values
    }

    public subscript(_ column: String) -> DatabaseValue {
        guard let i = columns.firstIndex(of: column) else { return .null }
        return values[i]
    }

    public subscript(_ index: Int) -> DatabaseValue { values[index] }

    private func typeError(_ column: String, _ expected: String) -> SocializerError {
        .invalid("column \(column) holds a value that is not \(expected)")
    }

    public func int(_ column: String) throws -> Int64 {
        switch self[column] {
        case .integer(let v): return v
        case .real(let d) where d == d.rounded() && abs(d) < 9e18: return Int64(d)
        case .text(let s): if let v = Int64(s) { return v }
        default: break
        }
        throw typeError(column, "an integer")
    }

    public func optionalInt(_ column: String) throws -> Int64? {
        self[column].isNull ? nil : try int(column)
    }

    public func double(_ column: String) throws -> Double {
        switch self[column] {
        case .integer(let v): return Double(v)
        case .real(let d): return d
        case .text(let s): if let v = Double(s) { return v }
        default: break
        }
        throw typeError(column, "a number")
    }

    public func optionalDouble(_ column: String) throws -> Double? {
        self[column].isNull ? nil : try double(column)
    }

    public func string(_ column: String) throws -> String {
        switch self[column] {
        case .text(let s): return s
        case .integer(let v): return String(v)
        case .real(let d): return String(d)
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        case .null: throw typeError(column, "text")
        }
    }

    public func optionalString(_ column: String) throws -> String? {
        self[column].isNull ? nil : try string(column)
    }

    /// BOOLEAN: 0/1 as SQLAlchemy writes; also the text forms older rows use.
    public func bool(_ column: String) throws -> Bool {
        switch self[column] {
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
        if case .text(let s) = self[column], let t = Timestamp.parse(s) { return t }
        throw typeError(column, "a date or time")
    }

    public func optionalTimestamp(_ column: String) throws -> Timestamp? {
        self[column].isNull ? nil : try timestamp(column)
    }
}
