/// The byte-level cursor the streaming JSON readers share: takes bytes from
/// a `ByteReader`, keeps the file's line and column, and cuts out one JSON
/// value at a time (minding strings and nesting) for `JSONParser` to parse
/// alone, so memory holds one value, not the file.
struct JSONScanner {
    let reader: ByteReader
    let maxDepth: Int
    let maxElementBytes: Int
    private(set) var line = 1
    private(set) var column = 1
    private var element: [UInt8] = []

    init(_ reader: ByteReader, maxDepth: Int, maxElementBytes: Int) {
        self.reader = reader
        self.maxDepth = maxDepth
        self.maxElementBytes = maxElementBytes
    }

    var position: TextPosition { TextPosition(line: line, column: column) }

    mutating func take() throws -> UInt8? {
        guard let c = try reader.next() else { return nil }
        if c == 0x0A { line += 1; column = 1 } else { column += 1 }
        return c
    }

    func peek() throws -> UInt8? { try reader.peek() }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }

    mutating func skipSpace() throws {
        while let c = try reader.peek(), JSONScanner.isSpace(c) { _ = try take() }
    }

    static func describe(_ c: UInt8?) -> String {
        guard let c else { return "end of input" }
        if c >= 0x21 && c < 0x7F { return "'\(Character(UnicodeScalar(c)))'" }
        return "byte 0x" + String(c, radix: 16)
    }

    /// Refuses what is not UTF-8 text at the very start of a document.
    func startProblem() throws -> String? {
        let first = try reader.peek()
        if first == 0xEF { return "the text starts with a UTF-8 byte-order mark; remove it" }
        if first == 0xFF || first == 0xFE || first == 0 { return "the text is not UTF-8 (UTF-16 or UTF-32?); convert it to UTF-8" }
        return nil
    }

    /// Opens a document whose top level starts with `open` (`[` or `{`),
    /// `what` naming what is expected; the problem, with where, if it cannot.
    mutating func openDocument(_ open: UInt8, _ what: String) throws -> JSONParseError? {
        if let problem = try startProblem() { return JSONParseError(position: position, reason: problem) }
        try skipSpace()
        guard let first = try peek() else { return JSONParseError(position: position, reason: "empty document; expected \(what)") }
        guard first == open else { return JSONParseError(position: position, reason: "expected \(what), found \(JSONScanner.describe(first))") }
        _ = try take()
        if try peek() == 0 {
            return JSONParseError(position: TextPosition(line: 1, column: 1), reason: "the text is not UTF-8 (UTF-16 or UTF-32?); convert it to UTF-8")
        }
        return nil
    }

    /// Whether the container just opened closes at once (`[]`, `{}`); the closing byte is taken.
    mutating func closesEmpty(_ close: UInt8) throws -> Bool {
        try skipSpace()
        guard try peek() == close else { return false }
        _ = try take()
        return true
    }

    enum Step {
        /// A comma: another element or member follows.
        case next
        /// The container closed.
        case closed
        case failure(String)
    }

    /// What follows an element or member: `,` or the closing `close`;
    /// `inside` names the container in messages ("an array").
    mutating func step(close: UInt8, inside: String) throws -> Step {
        try skipSpace()
        guard let c = try peek() else { return .failure("unexpected end of input inside \(inside)") }
        switch c {
        case UInt8(ascii: ","):
            _ = try take()
            try skipSpace()
            if try peek() == close { return .failure("trailing comma before '\(Character(UnicodeScalar(close)))'") }
            return .next
        case close:
            _ = try take()
            return .closed
        default:
            return .failure("unexpected \(JSONScanner.describe(c)); expected ',' or '\(Character(UnicodeScalar(close)))'")
        }
    }

    /// After the document only blanks may come; the problem if anything else does.
    mutating func endProblem() throws -> String? {
        try skipSpace()
        guard let c = try peek() else { return nil }
        return "unexpected \(JSONScanner.describe(c)) after the end of the document"
    }

    enum Value {
        case value(TextPosition, JSONValue)
        /// `complete`: the value's extent was found (its brackets balance), so reading can go on after it.
        case failure(JSONParseError, complete: Bool)
    }

    /// Cuts out the value that starts here and parses it. `startDepth`
    /// counts the containers it is nested in, for the depth limit.
    mutating func readValue(startDepth: Int) throws -> Value {
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
                if depth == 0 && !element.isEmpty
                    && (c == UInt8(ascii: ",") || c == UInt8(ascii: "]") || c == UInt8(ascii: "}") || JSONScanner.isSpace(c)) {
                    complete = true
                    break scan
                }
                if depth == 0 && element.isEmpty && (c == UInt8(ascii: ",") || c == UInt8(ascii: "]") || c == UInt8(ascii: "}")) {
                    break scan
                }
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
                return .failure(JSONParseError(position: start, reason: "a record is longer than \(maxElementBytes) bytes"), complete: false)
            }
        }
        do {
            let value = try JSONParser.parse(element, maxDepth: maxDepth, startDepth: startDepth)
            return .value(start, value)
        } catch {
            var at = error.position
            if at.line == 1 { at.column += start.column - 1 }
            at.line += start.line - 1
            return .failure(JSONParseError(position: at, reason: error.reason), complete: complete && !element.isEmpty)
        }
    }
}
