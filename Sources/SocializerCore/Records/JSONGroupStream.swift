/// A JSON object whose members are arrays of records (a fixture document,
/// SPEC §7), read member by member and record by record from a
/// `ByteReader`: memory holds one record, not the file. A member whose
/// value is not an array comes out whole (`"socializer_fixture": 1`).
/// Duplicate member names are refused, as everywhere (BAD-INPUT row 10).
public struct JSONGroupStream {
    public enum Item {
        /// A member whose value is not an array, with where it starts.
        case member(String, TextPosition, JSONValue)
        /// A member whose value is an array: its elements follow.
        case group(String, TextPosition)
        /// One element of the current group.
        case element(TextPosition, JSONValue)
        /// `fatal`: the document cannot be read further.
        case failure(JSONParseError, fatal: Bool)
    }

    private enum State { case start, member, firstElement, element, afterMember, done }

    private var scanner: JSONScanner
    private var state = State.start
    private var names: [String] = []

    public init(_ reader: ByteReader, maxDepth: Int = JSONParser.defaultMaxDepth, maxElementBytes: Int = 16 * 1024 * 1024) {
        scanner = JSONScanner(reader, maxDepth: maxDepth, maxElementBytes: maxElementBytes)
    }

    private mutating func fatal(_ reason: String, at where_: TextPosition? = nil) -> Item {
        state = .done
        return .failure(JSONParseError(position: where_ ?? scanner.position, reason: reason), fatal: true)
    }

    /// The next item; nil after the closing brace.
    public mutating func next() throws -> Item? {
        switch state {
        case .done:
            return nil
        case .start:
            if let problem = try scanner.openDocument(UInt8(ascii: "{"), "a JSON object") {
                return fatal(problem.reason, at: problem.position)
            }
            if try scanner.closesEmpty(UInt8(ascii: "}")) { return try end() }
            return try readMember()
        case .member:
            return try readMember()
        case .afterMember:
            switch try scanner.step(close: UInt8(ascii: "}"), inside: "an object") {
            case .next: return try readMember()
            case .closed: return try end()
            case .failure(let reason): return fatal(reason)
            }
        case .firstElement:
            if try scanner.closesEmpty(UInt8(ascii: "]")) {
                state = .afterMember
                return try next()
            }
            state = .element
            return try readElement()
        case .element:
            switch try scanner.step(close: UInt8(ascii: "]"), inside: "an array") {
            case .next: return try readElement()
            case .closed:
                state = .afterMember
                return try next()
            case .failure(let reason): return fatal(reason)
            }
        }
    }

    private mutating func end() throws -> Item? {
        if let problem = try scanner.endProblem() { return fatal(problem) }
        state = .done
        return nil
    }

    private mutating func readMember() throws -> Item? {
        try scanner.skipSpace()
        let at = scanner.position
        guard let c = try scanner.peek() else { return fatal("unexpected end of input inside an object") }
        guard c == UInt8(ascii: "\"") else { return fatal("unexpected \(JSONScanner.describe(c)); expected a member name in double quotes") }
        let name: String
        switch try scanner.readValue(startDepth: 1) {
        case .value(_, .string(let text)): name = text
        case .value: return fatal("expected a member name in double quotes", at: at)
        case .failure(let error, _): return fatal(error.reason, at: error.position)
        }
        if names.contains(name) { return fatal("duplicate member name \(JSONValue.quoted(name))", at: at) }
        names.append(name)
        try scanner.skipSpace()
        guard try scanner.peek() == UInt8(ascii: ":") else {
            return fatal("unexpected \(JSONScanner.describe(try scanner.peek())); expected ':' after a member name")
        }
        _ = try scanner.take()
        try scanner.skipSpace()
        if try scanner.peek() == UInt8(ascii: "[") {
            _ = try scanner.take()
            state = .firstElement
            return .group(name, at)
        }
        switch try scanner.readValue(startDepth: 1) {
        case .value(_, let value):
            state = .afterMember
            return .member(name, at, value)
        case .failure(let error, _):
            return fatal(error.reason, at: error.position)
        }
    }

    private mutating func readElement() throws -> Item? {
        // A record counts its depth from its array, as in a file of records alone.
        switch try scanner.readValue(startDepth: 1) {
        case .value(let position, let value): return .element(position, value)
        case .failure(let error, let complete):
            if !complete { return fatal(error.reason, at: error.position) }
            return .failure(error, fatal: false)
        }
    }
}
