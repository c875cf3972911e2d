/// JSON written straight into a byte buffer, for the bulk writers (export,
/// list): the same text as `compactText` and `writeString`, without a
/// `String` per value.
extension JSONValue {
    public func writeCompact(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: JSONValue.nullBytes)
        case .bool(let b): out.append(contentsOf: b ? JSONValue.trueBytes : JSONValue.falseBytes)
        case .integer(let i): JSONValue.writeInteger(i, to: &out)
        case .number(let d): out.append(contentsOf: JSONValue.format(d).utf8)
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.writeCompact(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.writeCompact(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static let nullBytes = Array("null".utf8)
    static let trueBytes = Array("true".utf8)
    static let falseBytes = Array("false".utf8)

    /// Decimal digits without an intermediate `String`.
    public static func writeInteger(_ value: Int64, to out: inout [UInt8]) {
        if value == 0 { out.append(UInt8(ascii: "0")); return }
        var magnitude = value.magnitude
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            out.append(contentsOf: buffer[(20 - count)...])
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Bytes that may start an escape: controls, `"`, `\\`, and the lead
    /// byte of U+2028/U+2029.
    private static let escapeCandidate: [Bool] = (0..<256).map { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0xE2 }

    /// A JSON string with the escapes of `writeString(_:to: inout String)`.
    public static func writeString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { writeString(utf8: $0, to: &out) }
    }

    /// The same, from UTF-8 bytes the caller vouches for (a column read in
    /// place, checked with `isValidUTF8`).
    public static func writeString(utf8 bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        var i = 0
        let n = bytes.count
        escapeCandidate.withUnsafeBufferPointer { candidate in
        while i < n {
            // Most bytes need nothing: skip them by table before looking closer.
            while i < n && !candidate[Int(bytes[i])] { i += 1 }
            guard i < n else { break }
            let b = bytes[i]
            var escape: (UInt8, UInt8)?
            var unicode: UInt32?
            var width = 1
            switch b {
            case 0x22: escape = (0x5C, 0x22)
            case 0x5C: escape = (0x5C, 0x5C)
            case 0x0A: escape = (0x5C, UInt8(ascii: "n"))
            case 0x0D: escape = (0x5C, UInt8(ascii: "r"))
            case 0x09: escape = (0x5C, UInt8(ascii: "t"))
            case 0x08: escape = (0x5C, UInt8(ascii: "b"))
            case 0x0C: escape = (0x5C, UInt8(ascii: "f"))
            case 0x00..<0x20: unicode = UInt32(b)
            case 0xE2 where i + 2 < n && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9):
                unicode = bytes[i + 2] == 0xA8 ? 0x2028 : 0x2029
                width = 3
            default:
                i += 1
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
            if let (a, c) = escape {
                out.append(a)
                out.append(c)
            } else if let code = unicode {
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), hexDigits[Int(code >> 12 & 0xF)], hexDigits[Int(code >> 8 & 0xF)],
                                        hexDigits[Int(code >> 4 & 0xF)], hexDigits[Int(code & 0xF)]])
            }
            i += width
            runStart = i
        }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<n]))
        out.append(UInt8(ascii: "\""))
    }

    /// Whether `bytes` are well-formed UTF-8 (no overlong forms, no
    /// surrogates, nothing past U+10FFFF), without making a `String`.
    public static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            // ASCII eight bytes at a time.
            if i + 8 <= n {
                let word = UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                    continue
                }
            }
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let width: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: width = 2
            case 0xE0: width = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: width = 3
            case 0xED: width = 3; upper = 0x9F
            case 0xF0: width = 4; lower = 0x90
            case 0xF1...0xF3: width = 4
            case 0xF4: width = 4; upper = 0x8F
            default: return false
            }
            guard i + width <= n else { return false }
            guard bytes[i + 1] >= lower && bytes[i + 1] <= upper else { return false }
            for k in 2..<max(2, width) where bytes[i + k] & 0xC0 != 0x80 { return false }
            i += width
        }
        return true
    }
}
