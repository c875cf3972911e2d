/// Where a parse error happened: 1-based line and column (in bytes).
public struct TextPosition: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var position: TextPosition
    public var reason: String
    public var description: String { "\(position): \(reason)" }
}

/// A strict RFC 8259 parser that says where things went wrong.
///
/// Stricter than most decoders on purpose (BAD-INPUT rows 8–15): duplicate
/// member names, numbers that overflow (1e400, integers beyond Int64),
/// invalid UTF-8, lone surrogates, a byte-order mark (unless allowed) and
/// nesting deeper than `maxDepth` are all errors, because decoders disagree
/// on what they mean.
public struct JSONParser {
    public static let defaultMaxDepth = 512

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private let maxDepth: Int
    /// Where each element of the top-level array starts, when asked for.
    private var recordElementPositions = false
    private var elementPositions: [TextPosition] = []

    public init(bytes: [UInt8], maxDepth: Int = JSONParser.defaultMaxDepth) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// Parses one whole document; anything but whitespace after it is an error.
    public static func parse(_ bytes: [UInt8], allowByteOrderMark: Bool = false,
                             maxDepth: Int = defaultMaxDepth, startDepth: Int = 0) throws(JSONParseError) -> JSONValue {
        var body = bytes
        if bytes.count >= 2, (bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF) {
            throw JSONParseError(position: TextPosition(line: 1, column: 1),
                                 reason: "the text is UTF-16; convert it to UTF-8")
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            guard allowByteOrderMark else {
                throw JSONParseError(position: TextPosition(line: 1, column: 1),
                                     reason: "the text starts with a UTF-8 byte-order mark; remove it")
            }
            body = Array(bytes.dropFirst(3))
        }
        if body.count >= 2, body[0] == 0 || body[1] == 0 {
            throw JSONParseError(position: TextPosition(line: 1, column: 1),
                                 reason: "the text is not UTF-8 (UTF-16 or UTF-32?); convert it to UTF-8")
        }
        var parser = JSONParser(bytes: body, maxDepth: maxDepth)
        parser.skipWhitespace()
        if parser.index == body.count {
            throw parser.error("empty document; expected a JSON value")
        }
        let value = try parser.parseValue(depth: startDepth)
        parser.skipWhitespace()
        if parser.index != body.count {
            throw parser.error("unexpected \(parser.describeCurrent()) after the end of the document")
        }
        return value
    }

    /// Parses a document that must be an array, returning each element with
    /// the position where it starts, so that errors in records can say where.
    public static func parseArrayElements(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth)
        throws(JSONParseError) -> [(position: TextPosition, value: JSONValue)] {
        var body = bytes
        if body.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw JSONParseError(position: TextPosition(line: 1, column: 1),
                                 reason: "the text starts with a UTF-8 byte-order mark; remove it")
        }
        if body.count >= 2, body[0] == 0 || body[1] == 0 || (body[0] == 0xFF && body[1] == 0xFE) || (body[0] == 0xFE && body[1] == 0xFF) {
            throw JSONParseError(position: TextPosition(line: 1, column: 1),
                                 reason: "the text is not UTF-8 (UTF-16 or UTF-32?); convert it to UTF-8")
        }
        var parser = JSONParser(bytes: body, maxDepth: maxDepth)
        parser.recordElementPositions = true
        parser.skipWhitespace()
        if parser.index == body.count { throw parser.error("empty document; expected a JSON array of records") }
        guard body[parser.index] == UInt8(ascii: "[") else {
            throw parser.error("expected a JSON array of records, found \(parser.describeCurrent())")
        }
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index != body.count {
            throw parser.error("unexpected \(parser.describeCurrent()) after the end of the document")
        }
        guard case .array(let items) = value else { return [] }
        body = []
        return Array(zip(parser.elementPositions, items)).map { (position: $0.0, value: $0.1) }
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private var position: TextPosition {
        TextPosition(line: line, column: index - lineStart + 1)
    }

    private func error(_ reason: String) -> JSONParseError {
        JSONParseError(position: position, reason: reason)
    }

    private func describeCurrent() -> String {
        guard index < bytes.count else { return "end of input" }
        let b = bytes[index]
        if b >= 0x21 && b < 0x7F { return "'\(Character(UnicodeScalar(b)))'" }
        return "byte 0x" + String(b, radix: 16)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0D: index += 1
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of input; the JSON is truncated") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            throw error("NaN and Infinity are not JSON numbers")
        default:
            throw error("unexpected \(describeCurrent()); expected a JSON value")
        }
    }

    private mutating func expectLiteral(_ word: String) throws(JSONParseError) {
        for b in word.utf8 {
            guard index < bytes.count, bytes[index] == b else {
                throw error("invalid literal; expected '\(word)'")
            }
            index += 1
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw error("nested deeper than \(maxDepth) levels") }
        index += 1
        var members: [(String, JSONValue)] = []
        // A record's handful of members without growing the array step by step.
        members.reserveCapacity(8)
        // Duplicate names: a scan of the few members of a typical record costs
        // less than hashing each name; a large object switches to a set.
        var seen: Set<String>?
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input inside an object") }
            guard bytes[index] == UInt8(ascii: "\"") else {
                if bytes[index] == UInt8(ascii: "}") { throw error("trailing comma before '}'") }
                throw error("unexpected \(describeCurrent()); expected a member name in double quotes")
            }
            let keyPosition = position
            let key = try parseString()
            let duplicate: Bool
            if seen == nil && members.count < 16 {
                // Lengths first: most names differ in length, which costs nothing to see.
                let length = key.utf8.count
                duplicate = members.contains { $0.0.utf8.count == length && $0.0 == key }
            } else {
                if seen == nil { seen = Set(members.map(\.0)) }
                duplicate = !seen!.insert(key).inserted
            }
            if duplicate {
                throw JSONParseError(position: keyPosition, reason: "duplicate member name \(JSONValue.quoted(key))")
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw error("unexpected \(describeCurrent()); expected ':' after a member name")
            }
            index += 1
            skipWhitespace()
            members.append((key, try parseValue(depth: depth)))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input inside an object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw error("unexpected \(describeCurrent()); expected ',' or '}'")
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw error("nested deeper than \(maxDepth) levels") }
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { throw error("trailing comma before ']'") }
            if recordElementPositions && depth == 1 { elementPositions.append(position) }
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input inside an array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw error("unexpected \(describeCurrent()); expected ',' or ']'")
        }
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw error("invalid number: leading zero") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: no digit after '.'") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number: no digit in exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger {
            guard let value = Int64(text) else {
                index = start
                throw error("integer \(text) is outside the 64-bit range")
            }
            return .integer(value)
        }
        guard let value = Double(text), value.isFinite else {
            index = start
            throw error("number \(text) is outside the range of a double")
        }
        return .number(value)
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flushRun(_ parser: inout JSONParser, _ end: Int) throws(JSONParseError) {
            guard end > runStart else { return }
            guard let run = JSONParser.validatedString(parser.bytes, runStart, end) else {
                throw parser.error("invalid UTF-8 in a string")
            }
            scalars.append(contentsOf: run.unicodeScalars)
        }
        while true {
            guard index < bytes.count else { throw error("unexpected end of input inside a string") }
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                // The common case, a string without escapes, is one run: made straight from its bytes.
                if scalars.isEmpty {
                    guard let run = JSONParser.validatedString(bytes, runStart, index) else {
                        throw error("invalid UTF-8 in a string")
                    }
                    index += 1
                    return run
                }
                try flushRun(&self, index)
                index += 1
                return String(scalars)
            }
            if b < 0x20 {
                throw error("control character 0x\(String(b, radix: 16)) inside a string; escape it")
            }
            if b == UInt8(ascii: "\\") {
                try flushRun(&self, index)
                index += 1
                guard index < bytes.count else { throw error("unexpected end of input inside a string") }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    let high = try parseHex4()
                    if (0xD800...0xDBFF).contains(high) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                              bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("lone surrogate \\u\(String(high, radix: 16)) in a string")
                        }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw error("lone surrogate \\u\(String(high, radix: 16)) in a string")
                        }
                        let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                        scalars.append(UnicodeScalar(value)!)
                    } else if (0xDC00...0xDFFF).contains(high) {
                        throw error("lone surrogate \\u\(String(high, radix: 16)) in a string")
                    } else {
                        scalars.append(UnicodeScalar(high)!)
                    }
                default:
                    index -= 1
                    throw error("invalid escape '\\\(Character(UnicodeScalar(e)))' in a string")
                }
                runStart = index
                continue
            }
            index += 1
        }
    }

    /// `bytes[start..<end]` as a string if it is UTF-8: checked in place,
    /// then made in one step (the generic `String(validating:)` over a
    /// slice looks its type up at run time on every call, which a bulk load
    /// pays per value).
    static func validatedString(_ bytes: [UInt8], _ start: Int, _ end: Int) -> String? {
        bytes.withUnsafeBufferPointer { buffer in
            let run = UnsafeBufferPointer(rebasing: buffer[start..<end])
            guard JSONValue.isValidUTF8(run) else { return nil }
            return String(decoding: run, as: UTF8.self)
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case 0x30...0x39: digit = UInt32(b - 0x30)
            case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
            default: throw error("invalid hex digit in a \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
