/// Where the members of one JSON object lie in a byte buffer, found
/// without decoding them: the bulk load's fast path for the common record
/// (names and strings without escapes, numbers, literals, `{}`), which it
/// then reads value by value straight from the buffer, making no string
/// or tree per record.
///
/// It never reports a problem itself: anything it does not accept as
/// plainly valid (an escape, a duplicate name, bad UTF-8, a broken number,
/// trailing text) makes `scan` return false, and the caller parses the
/// same bytes with `JSONParser`, which decodes what is unusual and says
/// exactly what is wrong, where. So the two can never disagree on an error.
public struct JSONSpans {
    public enum Kind: Sendable, Equatable {
        /// A string without escapes (`value` excludes the quotes).
        case string
        case integer
        /// A number with a fraction or exponent.
        case number
        case trueLiteral
        case falseLiteral
        case null
        /// `{}`.
        case emptyObject
        /// Another object or an array (checked only for balance here).
        case composite
    }

    public struct Member: Sendable {
        public var name: Range<Int>
        public var value: Range<Int>
        public var kind: Kind
    }

    public private(set) var members: [Member] = []

    /// Bytes that end a plain string: the quote, a backslash, a control
    /// (a table made once and never freed, read without bounds checks).
    nonisolated(unsafe) static let stop: UnsafePointer<Bool> = {
        let table = UnsafeMutablePointer<Bool>.allocate(capacity: 256)
        for byte in 0..<256 { table[byte] = byte < 0x20 || byte == 0x22 || byte == 0x5C }
        return UnsafePointer(table)
    }()

    public init() { members.reserveCapacity(16) }

    /// Finds the members of the object that is the whole of `b[start..<end]`
    /// (blanks around it allowed); false when it is anything else (see above).
    public mutating func scan(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        guard var i = scanObject(b, start, end) else { return false }
        while i < end, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
        return i == end
    }

    /// The same for an object that starts at `start` (after blanks) and may
    /// be followed by more text: where it ends, or nil.
    public mutating func scanObject(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        members.removeAll(keepingCapacity: true)
        let stop = JSONSpans.stop
        var i = start
        @inline(__always) func blanks() {
            while i < end, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
        }
        /// A string from its opening quote: the range inside the quotes.
        @inline(__always) func string() -> Range<Int>? {
            guard i < end, b[i] == 0x22 else { return nil }
            i += 1
            let from = i
            // The closing quote by table: every other byte but a control or a backslash is text.
            while i < end && !stop[Int(b[i])] { i += 1 }
            guard i < end, b[i] == 0x22 else { return nil }
            let range = from..<i
            i += 1
            guard JSONValue.isValidUTF8(UnsafeBufferPointer(rebasing: b[range])) else { return nil }
            return range
        }
        blanks()
        guard i < end, b[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        blanks()
        if i < end, b[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                blanks()
                guard let name = string() else { return nil }
                blanks()
                guard i < end, b[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                blanks()
                guard i < end else { return nil }
                let from = i
                let kind: Kind
                switch b[i] {
                case 0x22:
                    guard let range = string() else { return nil }
                    members.append(Member(name: name, value: range, kind: .string))
                    kind = .string
                case UInt8(ascii: "t"):
                    guard literal("true", b, &i, end) else { return nil }
                    kind = .trueLiteral
                case UInt8(ascii: "f"):
                    guard literal("false", b, &i, end) else { return nil }
                    kind = .falseLiteral
                case UInt8(ascii: "n"):
                    guard literal("null", b, &i, end) else { return nil }
                    kind = .null
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    guard let integer = JSONSpans.number(b, &i, end) else { return nil }
                    kind = integer ? .integer : .number
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard JSONSpans.skipComposite(b, &i, end) else { return nil }
                    kind = i - from == 2 && b[from] == UInt8(ascii: "{") ? .emptyObject : .composite
                default:
                    return nil
                }
                if kind != .string { members.append(Member(name: name, value: from..<i, kind: kind)) }
                blanks()
                guard i < end else { return nil }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "}") else { return nil }
                i += 1
                break
            }
        }
        // Duplicate names: lengths first, then the bytes.
        for n in members.indices {
            let name = members[n].name
            for m in 0..<n where members[m].name.count == name.count
                && memcmp(b.baseAddress! + members[m].name.lowerBound, b.baseAddress! + name.lowerBound, name.count) == 0 {
                return nil
            }
        }
        return i
    }

    private func literal(_ word: StaticString, _ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int) -> Bool {
        let count = word.utf8CodeUnitCount
        guard i + count <= end else { return false }
        for k in 0..<count where b[i + k] != word.utf8Start[k] { return false }
        i += count
        return true
    }

    /// JSON's number grammar; whether it is an integer. Its range is
    /// checked where it is read.
    static func number(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int) -> Bool? {
        @inline(__always) func digit(_ k: Int) -> Bool { k < end && b[k] >= 0x30 && b[k] <= 0x39 }
        var integer = true
        if b[i] == UInt8(ascii: "-") { i += 1 }
        guard digit(i) else { return nil }
        if b[i] == 0x30 {
            i += 1
            if digit(i) { return nil }
        } else {
            while digit(i) { i += 1 }
        }
        if i < end, b[i] == UInt8(ascii: ".") {
            integer = false
            i += 1
            guard digit(i) else { return nil }
            while digit(i) { i += 1 }
        }
        if i < end, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            integer = false
            i += 1
            if i < end, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digit(i) else { return nil }
            while digit(i) { i += 1 }
        }
        return integer
    }

    /// Past an object or array, minding strings; only its balance is checked.
    static func skipComposite(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int) -> Bool {
        var depth = 0
        while i < end {
            let c = b[i]
            i += 1
            switch c {
            case 0x22:
                while i < end, b[i] != 0x22 { i += b[i] == 0x5C ? 2 : 1 }
                guard i < end else { return false }
                i += 1
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return true }
            default: break
            }
        }
        return false
    }

    /// An integer member's value, when it fits in 64 bits.
    public static func integer(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int64? {
        var i = range.lowerBound
        let negative = b[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var value: Int64 = 0
        while i < range.upperBound {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let digit = Int64(b[i] - 0x30)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            if overflow1 || overflow2 { return nil }
            value = sum
            i += 1
        }
        return value
    }

    /// Whether `b[range]` is exactly `bytes`.
    @inline(__always)
    public static func equal(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ bytes: [UInt8]) -> Bool {
        range.count == bytes.count
            && (bytes.isEmpty || bytes.withUnsafeBufferPointer { memcmp(b.baseAddress! + range.lowerBound, $0.baseAddress!, range.count) == 0 })
    }
}

#if canImport(Glibc)
import Glibc
#endif
