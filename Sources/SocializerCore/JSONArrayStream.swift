/// A JSON array of records read element by element from a `ByteReader`:
/// the scanner finds where each element ends (minding strings and nesting)
/// and `JSONParser` parses that element alone, so memory holds one record,
/// not the file. An element that is not valid JSON but whose brackets
/// balance is reported and reading goes on; a broken array (a missing
/// comma, a truncated file) ends the reading. Positions are the file's.
public struct JSONArrayStream {
    public enum Item {
        case element(TextPosition, JSONValue)
        case failure(JSONParseError, fatal: Bool)
    }

    private enum State { case start, firstElement, element, done }

    private let reader: ByteReader
    private let maxDepth: Int
    private let maxElementBytes: Int
    private var state = State.start
    private var line = 1
    private var column = 1
    private var element: [UInt8] = []

    public init(_ reader: ByteReader, maxDepth: Int = JSONParser.defaultMaxDepth, maxElementBytes: Int = 16 * 1024 * 1024) {
        self.reader = reader
        self.maxDepth = maxDepth
        self.maxElementBytes = maxElementBytes
    }

    private var position: TextPosition { TextPosition(line: line, column: column) }

    private mutating func take() throws -> UInt8? {
        guard let c = try reader.next() else { return nil }
        if c == 0x0A { line += 1; column = 1 } else { column += 1 }
        return c
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }

    private mutating func skipSpace() throws {
        while let c = try reader.peek(), JSONArrayStream.isSpace(c) { _ = try take() }
    }

    private static func describe(_ c: UInt8?) -> String {
        guard let c else { return "end of input" }
        if c >= 0x21 && c < 0x7F { return "'\(Character(UnicodeScalar(c)))'" }
        return "byte 0x" + String(c, radix: 16)
    }

    private mutating func fatal(_ reason: String, at where_: TextPosition? = nil) -> Item {
        state = .done
        return .failure(JSONParseError(position: where_ ?? position, reason: reason), fatal: true)
    }

    /// The next element or failure; nil after the closing bracket.
    public mutating func next() throws -> Item? {
        switch state {
        case .done:
            return nil
        case .start:
            let first = try reader.peek()
            if first == 0xEF { return fatal("the text starts with a UTF-8 byte-order mark; remove it") }
            if first == 0xFF || first == 0xFE || first == 0 {
                return fatal("the text is not UTF-8 (UTF-16 or UTF-32?); convert it to UTF-8")
            }
            try skipSpace()
            guard let open = try reader.peek() else { return fatal("empty document; expected a JSON array of records") }
            guard open == UInt8(ascii: "[") else {
                return fatal("expected a JSON array of records, found \(JSONArrayStream.describe(open))")
            }
            _ = try take()
            if try reader.peek() == 0 { return fatal("the text is not UTF-8 (UTF-16 or UTF-32?); convert it to UTF-8", at: TextPosition(line: 1, column: 1)) }
            try skipSpace()
            if try reader.peek() == UInt8(ascii: "]") {
                _ = try take()
                return try end()
            }
            state = .element
            return try readElement()
        case .firstElement, .element:
            try skipSpace()
            guard let c = try reader.peek() else { return fatal("unexpected end of input inside an array") }
            switch c {
            case UInt8(ascii: ","):
                _ = try take()
                try skipSpace()
                if try reader.peek() == UInt8(ascii: "]") { return fatal("trailing comma before ']'") }
                return try readElement()
            case UInt8(ascii: "]"):
                _ = try take()
                return try end()
            default:
                return fatal("unexpected \(JSONArrayStream.describe(c)); expected ',' or ']'")
            }
        }
    }

    private mutating func end() throws -> Item? {
        try skipSpace()
        if let c = try reader.peek() { return fatal("unexpected \(JSONArrayStream.describe(c)) after the end of the document") }
        state = .done
        return nil
    }

    private mutating func readElement() throws -> Item? {
        let start = position
        element.removeAll(keepingCapacity: true)
        var depth = 0
        var inString = false
        var escaped = false
        var complete = false
        scan: while let c = try reader.peek() {
            if inString {
                _ = try take()
                element.append(c)
                if escaped {
                    escaped = false
                } else if c == UInt8(ascii: "\\") {
                    escaped = true
                } else if c == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { complete = true; break scan }
                }
            } else {
                if depth == 0 && !element.isEmpty && (c == UInt8(ascii: ",") || c == UInt8(ascii: "]") || JSONArrayStream.isSpace(c)) {
                    complete = true
                    break scan
                }
                if depth == 0 && element.isEmpty && (c == UInt8(ascii: ",") || c == UInt8(ascii: "]")) { break scan }
                _ = try take()
                element.append(c)
                switch c {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth <= 0 { complete = true; break scan }
                default: break
                }
            }
            if element.count > maxElementBytes {
                return fatal("a record is longer than \(maxElementBytes) bytes", at: start)
            }
        }
        do {
            let value = try JSONParser.parse(element, maxDepth: maxDepth, startDepth: 1)
            return .element(start, value)
        } catch {
            var at = error.position
            if at.line == 1 { at.column += start.column - 1 }
            at.line += start.line - 1
            if !complete || element.isEmpty { return fatal(error.reason, at: at) }
            return .failure(JSONParseError(position: at, reason: error.reason), fatal: false)
        }
    }
}
