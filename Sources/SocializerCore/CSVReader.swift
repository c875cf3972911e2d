/// RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line
/// breaks (CRLF or LF). A ragged row or an unterminated quote is an error
/// naming the row. The first row is the header.
public struct CSVReader {
    public struct Failure: Error, Sendable, Equatable {
        public var row: Int
        public var reason: String
    }

    public struct Record: Sendable {
        /// 1-based record number, counting the header as row 1 (what a
        /// spreadsheet shows; a quoted line break does not start a new row).
        public var row: Int
        public var fields: [(String, String)]
    }

    public static func read(_ bytes: [UInt8]) throws(Failure) -> (header: [String], records: [Record]) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw Failure(row: 1, reason: "the file starts with a UTF-8 byte-order mark; remove it")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Failure(row: 1, reason: "the file is not valid UTF-8")
        }
        var rows: [[String]] = []
        var field = ""
        var fields: [String] = []
        var inQuotes = false
        var fieldWasQuoted = false
        var iterator = Array(text.unicodeScalars)[...]
        func endRow() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted) { rows.append(fields) }
            fields = []
            field = ""
            fieldWasQuoted = false
        }
        while let c = iterator.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if iterator.first == "\"" { iterator.removeFirst(); field.unicodeScalars.append("\"") } else { inQuotes = false }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard field.isEmpty && !fieldWasQuoted else {
                    throw Failure(row: rows.count + 1, reason: "a quote inside an unquoted field; quote the whole field and double the quote")
                }
                inQuotes = true
                fieldWasQuoted = true
            case ",":
                fields.append(field)
                field = ""
                fieldWasQuoted = false
            case "\r":
                if iterator.first == "\n" { continue }
                endRow()
            case "\n":
                endRow()
            default:
                if fieldWasQuoted { throw Failure(row: rows.count + 1, reason: "text after a closing quote") }
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw Failure(row: rows.count + 1, reason: "a quoted field is not closed before the end of the file") }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRow() }
        guard let header = rows.first else { throw Failure(row: 1, reason: "the file is empty; expected a header row") }
        var seen = Set<String>()
        for name in header where !seen.insert(name).inserted {
            throw Failure(row: 1, reason: "the header names '\(Echo.cut(name))' twice")
        }
        var records: [Record] = []
        for (offset, values) in rows.enumerated().dropFirst() {
            guard values.count == header.count else {
                throw Failure(row: offset + 1, reason: "the row has \(values.count) fields; the header has \(header.count)")
            }
            records.append(Record(row: offset + 1, fields: Array(zip(header, values))))
        }
        return (header, records)
    }
}
