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

    /// The cell as JSON, appended to a row's bytes (the text of `jsonValue.compactText`).
    public func writeJSON(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: Cell.nullBytes)
        case .text(let s): JSONValue.writeString(s, to: &out)
        case .integer(let i): JSONValue.writeInteger(i, to: &out)
        case .number(let d): out.append(contentsOf: JSONValue.format(d).utf8)
        case .bool(let b): out.append(contentsOf: b ? Cell.trueBytes : Cell.falseBytes)
        case .time(let t):
            // ISO 8601 text needs no escaping.
            out.append(UInt8(ascii: "\""))
            t.writeISO8601(to: &out)
            out.append(UInt8(ascii: "\""))
        case .json(let v): v.writeCompact(to: &out)
        }
    }

    /// The cell as an RFC 4180 field (the text of `RowRenderer.csvField(plainText)`).
    public func writeCSV(to out: inout [UInt8]) {
        switch self {
        case .null: return
        case .integer(let i): JSONValue.writeInteger(i, to: &out)
        case .bool(let b): out.append(contentsOf: b ? Cell.trueBytes : Cell.falseBytes)
        case .text(let s): Cell.writeCSVField(s, to: &out)
        default: Cell.writeCSVField(plainText, to: &out)
        }
    }

    static func writeCSVField(_ text: String, to out: inout [UInt8]) { CSVText.writeField(text, to: &out) }

    static let nullBytes = Array("null".utf8)
    static let trueBytes = Array("true".utf8)
    static let falseBytes = Array("false".utf8)

    /// A value of a record (an export's field): scalars as themselves, so
    /// text is not quoted in csv; arrays and objects as JSON.
    public init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .integer(let i): self = .integer(i)
        case .number(let d): self = .number(d)
        case .string(let s): self = .text(s)
        case .array, .object: self = .json(value)
        }
    }

    public static func optional(_ s: String?) -> Cell { s.map(Cell.text) ?? .null }
    public static func optional(_ i: Int64?) -> Cell { i.map(Cell.integer) ?? .null }
    public static func optional(_ t: Timestamp?) -> Cell { t.map(Cell.time) ?? .null }

    /// A number shown with exactly `places` decimals in table, csv and tsv
    /// (`3.00` beside `5.67`); in json and jsonl, the number itself.
    public static func decimal(_ value: Double, places: Int, format: OutputFormat) -> Cell {
        guard !format.isJSON, value.isFinite, abs(value) < 1e15 else { return .number(value) }
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64((abs(value) * Double(scale)).rounded())
        let fraction = String(scaled % scale)
        let sign = value < 0 && scaled != 0 ? "-" : ""
        return .text(sign + String(scaled / scale)
                     + (places > 0 ? "." + String(repeating: "0", count: places - fraction.count) + fraction : ""))
    }

    /// A JSON column (`users.preferences`): the value itself, or its text
    /// when it does not parse (the app wrote something else). The app's
    /// usual empty object needs no parser.
    public static func jsonText(_ text: String) -> Cell {
        if text == "{}" { return .json(.object([])) }
        return (try? JSONParser.parse(text)).map(Cell.json) ?? .text(text)
    }
}
