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

    private enum State { case start, element, done }

    private var scanner: JSONScanner
    private var state = State.start

    public init(_ reader: ByteReader, maxDepth: Int = JSONParser.defaultMaxDepth, maxElementBytes: Int = 16 * 1024 * 1024) {
        scanner = JSONScanner(reader, maxDepth: maxDepth, maxElementBytes: maxElementBytes)
    }

    private mutating func fatal(_ reason: String, at where_: TextPosition? = nil) -> Item {
        state = .done
        return .failure(JSONParseError(position: where_ ?? scanner.position, reason: reason), fatal: true)
    }

    /// The next element or failure; nil after the closing bracket.
    public mutating func next() throws -> Item? {
        switch state {
        case .done:
            return nil
        case .start:
            if let problem = try scanner.startProblem() { return fatal(problem) }
            try scanner.skipSpace()
            guard let open = try scanner.peek() else { return fatal("empty document; expected a JSON array of records") }
            guard open == UInt8(ascii: "[") else {
                return fatal("expected a JSON array of records, found \(JSONScanner.describe(open))")
            }
            _ = try scanner.take()
            if try scanner.peek() == 0 { return fatal("the text is not UTF-8 (UTF-16 or UTF-32?); convert it to UTF-8", at: TextPosition(line: 1, column: 1)) }
            try scanner.skipSpace()
            if try scanner.peek() == UInt8(ascii: "]") {
                _ = try scanner.take()
                return try end()
            }
            state = .element
            return try readElement()
        case .element:
            try scanner.skipSpace()
            guard let c = try scanner.peek() else { return fatal("unexpected end of input inside an array") }
            switch c {
            case UInt8(ascii: ","):
                _ = try scanner.take()
                try scanner.skipSpace()
                if try scanner.peek() == UInt8(ascii: "]") { return fatal("trailing comma before ']'") }
                return try readElement()
            case UInt8(ascii: "]"):
                _ = try scanner.take()
                return try end()
            default:
                return fatal("unexpected \(JSONScanner.describe(c)); expected ',' or ']'")
            }
        }
    }

    private mutating func end() throws -> Item? {
        try scanner.skipSpace()
        if let c = try scanner.peek() { return fatal("unexpected \(JSONScanner.describe(c)) after the end of the document") }
        state = .done
        return nil
    }

    private mutating func readElement() throws -> Item? {
        switch try scanner.readValue(startDepth: 1) {
        case .value(let position, let value): return .element(position, value)
        case .failure(let error, let complete):
            if !complete { return fatal(error.reason, at: error.position) }
            return .failure(error, fatal: false)
        }
    }
}
