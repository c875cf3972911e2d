/// RFC 4180 CSV read row by row from a `ByteReader`, with the rules of
/// `CSVReader` (the first row is the header; a ragged row, a stray quote or
/// an unterminated quote is an error naming the row). Unlike `CSVReader`,
/// a bad row does not end the reading: it is reported and the next row is
/// read, so every bad row of a file can be listed. Memory holds one row.
public struct CSVStream {
    public enum Item {
        case record(CSVReader.Record)
        /// A bad row; reading goes on with the next one unless `fatal`.
        case failure(CSVReader.Failure, fatal: Bool)
    }

    private let reader: ByteReader
    private let maxRowBytes: Int
    public private(set) var header: [String] = []
    private var row = 0
    private var finished = false
    private var field: [UInt8] = []
    private var fields: [[UInt8]] = []

    public init(_ reader: ByteReader, maxRowBytes: Int = 16 * 1024 * 1024) {
        self.reader = reader
        self.maxRowBytes = maxRowBytes
    }

    private enum RawRow {
        case row([[UInt8]])
        case bad(String)
        case unterminated
    }

    /// The next record or failure; nil at the end of the file.
    public mutating func next() throws -> Item? {
        guard !finished else { return nil }
        if row == 0 {
            let first = try reader.peek()
            if first == 0xEF {
                finished = true
                return .failure(CSVReader.Failure(row: 1, reason: "the file starts with a UTF-8 byte-order mark; remove it"), fatal: true)
            }
            guard let raw = try readRow() else {
                finished = true
                return .failure(CSVReader.Failure(row: 1, reason: "the file is empty; expected a header row"), fatal: true)
            }
            row = 1
            switch raw {
            case .bad(let reason):
                finished = true
                return .failure(CSVReader.Failure(row: 1, reason: reason), fatal: true)
            case .unterminated:
                finished = true
                return .failure(CSVReader.Failure(row: 1, reason: "a quoted field is not closed before the end of the file"), fatal: true)
            case .row(let names):
                var seen = Set<String>()
                for bytes in names {
                    guard let name = String(validating: bytes, as: UTF8.self) else {
                        finished = true
                        return .failure(CSVReader.Failure(row: 1, reason: "the file is not valid UTF-8"), fatal: true)
                    }
                    if !seen.insert(name).inserted {
                        finished = true
                        return .failure(CSVReader.Failure(row: 1, reason: "the header names '\(Echo.cut(name))' twice"), fatal: true)
                    }
                    header.append(name)
                }
            }
        }
        guard let raw = try readRow() else {
            finished = true
            return nil
        }
        row += 1
        switch raw {
        case .bad(let reason):
            return .failure(CSVReader.Failure(row: row, reason: reason), fatal: false)
        case .unterminated:
            finished = true
            return .failure(CSVReader.Failure(row: row, reason: "a quoted field is not closed before the end of the file"), fatal: true)
        case .row(let values):
            guard values.count == header.count else {
                return .failure(CSVReader.Failure(row: row, reason: "the row has \(values.count) fields; the header has \(header.count)"),
                                fatal: false)
            }
            var pairs: [(String, String)] = []
            pairs.reserveCapacity(values.count)
            for (name, bytes) in zip(header, values) {
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    return .failure(CSVReader.Failure(row: row, reason: "the row is not valid UTF-8"), fatal: false)
                }
                pairs.append((name, text))
            }
            return .record(CSVReader.Record(row: row, fields: pairs))
        }
    }

    /// The fields of the next non-blank row; nil at end of input.
    private mutating func readRow() throws -> RawRow? {
        while true {
            fields.removeAll(keepingCapacity: true)
            field.removeAll(keepingCapacity: true)
            var inQuotes = false
            var fieldWasQuoted = false
            var bad: String?
            var size = 0
            var sawAny = false
            func endField() {
                fields.append(field)
                field.removeAll(keepingCapacity: true)
                fieldWasQuoted = false
            }
            rowLoop: while true {
                guard let c = try reader.next() else {
                    if inQuotes { return .unterminated }
                    if !sawAny { return nil }
                    break rowLoop
                }
                sawAny = true
                size += 1
                if size > maxRowBytes && bad == nil { bad = "the row is longer than \(maxRowBytes) bytes" }
                if bad != nil {
                    // Skip to the end of the line: the row is reported, the next one read.
                    if c == 0x0A { break rowLoop }
                    continue
                }
                if inQuotes {
                    if c == 0x22 {
                        if try reader.peek() == 0x22 { _ = try reader.next(); field.append(0x22) } else { inQuotes = false }
                    } else {
                        field.append(c)
                    }
                    continue
                }
                switch c {
                case 0x22:
                    guard field.isEmpty && !fieldWasQuoted else {
                        bad = "a quote inside an unquoted field; quote the whole field and double the quote"
                        continue
                    }
                    inQuotes = true
                    fieldWasQuoted = true
                case 0x2C:
                    endField()
                case 0x0D:
                    if try reader.peek() == 0x0A { continue }
                    break rowLoop
                case 0x0A:
                    break rowLoop
                default:
                    if fieldWasQuoted {
                        bad = "text after a closing quote"
                        continue
                    }
                    field.append(c)
                }
            }
            if let bad { return .bad(bad) }
            let quoted = fieldWasQuoted
            endField()
            if fields.count == 1 && fields[0].isEmpty && !quoted { continue }
            return .row(fields)
        }
    }
}
