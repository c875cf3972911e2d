/// RFC 4180 fields written into a byte buffer: quoted when the text holds
/// a comma, a quote or a line break (any of Swift's `Character.isNewline`:
/// LF, VT, FF, CR, NEL, LS, PS), quotes doubled. What every csv writer
/// (the renderer, exports, dumps) writes, so a value reads back the same.
public enum CSVText {
    public static func writeField(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var needsQuotes = false
            var i = 0
            while i < bytes.count && !needsQuotes {
                let b = bytes[i]
                if b == 0x2C || b == 0x22 || (b >= 0x0A && b <= 0x0D) {
                    needsQuotes = true
                } else if b == 0xC2 && i + 1 < bytes.count && bytes[i + 1] == 0x85 {
                    needsQuotes = true
                } else if b == 0xE2 && i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9) {
                    needsQuotes = true
                }
                i += 1
            }
            guard needsQuotes else {
                out.append(contentsOf: bytes)
                return
            }
            out.append(0x22)
            for b in bytes {
                out.append(b)
                if b == 0x22 { out.append(0x22) }
            }
            out.append(0x22)
        }
    }

    /// A record's value as a csv cell: nothing for null, text as it is,
    /// numbers and booleans as JSON writes them, arrays and objects as
    /// compact JSON (which an import parses back).
    public static func writeCell(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: return
        case .string(let text): writeField(text, to: &out)
        case .bool, .integer, .number: value.writeCompact(to: &out)
        case .array, .object: writeField(value.compactText, to: &out)
        }
    }
}
