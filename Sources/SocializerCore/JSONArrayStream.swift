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
            if let problem = try scanner.openDocument(UInt8(ascii: "["), "a JSON array of records") {
                return fatal(problem.reason, at: problem.position)
            }
            if try scanner.closesEmpty(UInt8(ascii: "]")) { return try end() }
            state = .element
            return try readElement()
        case .element:
            switch try scanner.step(close: UInt8(ascii: "]"), inside: "an array") {
            case .next: return try readElement()
            case .closed: return try end()
            case .failure(let reason): return fatal(reason)
            }
        }
    }

    private mutating func end() throws -> Item? {
        if let problem = try scanner.endProblem() { return fatal(problem) }
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
