/// Input shown back to the operator (in an error, on a terminal) is escaped
/// and cut: a control character could rewrite the terminal (an ANSI escape
/// in a log message, a JWT header), and a 10 MB argument must not become a
/// 10 MB error message.
public enum Echo {
    /// How much of echoed input an error message shows.
    public static let maximumLength = 80

    /// Escaped and cut to `maximumLength` characters with `…`.
    public static func cut(_ text: String, maximumLength: Int = Echo.maximumLength) -> String {
        let escaped = escapingControls(text)
        guard escaped.count > maximumLength else { return escaped }
        return String(escaped.prefix(maximumLength - 1)) + "…"
    }

    /// Whether a scalar would act on the terminal rather than print:
    /// C0 and C1 controls, DEL, and the bidi overrides and isolates that
    /// reorder what follows (line separators too).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// Control characters as visible escapes (`\e`, `\n`, `\t`, `\u{202E}`);
    /// `keeping` lists those left as they are (a table keeps nothing, a
    /// multi-line field keeps the line break and the tab).
    public static func escapingControls(_ text: String, keeping: Set<Unicode.Scalar> = []) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) && !keeping.contains($0) }) else { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard isControl(scalar) && !keeping.contains(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{1B}": result += "\\e"
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += scalar.value <= 0xFF ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex : "\\u{\(hex)}"
            }
        }
        return result
    }
}
