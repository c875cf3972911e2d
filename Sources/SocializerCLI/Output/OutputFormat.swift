import SocializerCore

public enum OutputFormat: String, CaseIterable, Sendable {
    case table, json, jsonl, csv, tsv

    public var isJSON: Bool { self == .json || self == .jsonl }
}

/// One value of an output row, typed so each format can write it properly
/// (numbers unquoted in JSON, times as ISO 8601 with `Z`).
public enum Cell: Sendable, Equatable {
    case null
    case text(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)
    case time(Timestamp)
    case json(JSONValue)

    /// The plain-text form for table, csv and tsv.
    public var plainText: String {
        switch self {
        case .null: return ""
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .number(let d): return JSONValue.format(d)
        case .bool(let b): return b ? "true" : "false"
        case .time(let t): return t.iso8601
        case .json(let v): return v.compactText
        }
    }

    public var jsonValue: JSONValue {
        switch self {
        case .null: return .null
        case .text(let s): return .string(s)
        case .integer(let i): return .integer(i)
        case .number(let d): return .number(d)
        case .bool(let b): return .bool(b)
        case .time(let t): return .string(t.iso8601)
        case .json(let v): return v
        }
    }

    public static func optional(_ s: String?) -> Cell { s.map(Cell.text) ?? .null }
    public static func optional(_ i: Int64?) -> Cell { i.map(Cell.integer) ?? .null }
    public static func optional(_ t: Timestamp?) -> Cell { t.map(Cell.time) ?? .null }
}
