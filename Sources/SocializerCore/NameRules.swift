/// What a name (username, skill, room, preference key) may be: non-empty
/// after trimming, at most 255 characters, no control characters and no
/// bidirectional overrides (which make a name display as another). Quotes,
/// SQL-looking text, `%` and `_` are fine: values are always bound.
public enum NameRules {
    public static let maximumLength = 255

    /// Returns the trimmed name or throws a 65 naming `what`, not the value.
    public static func validate(_ raw: String, what: String) throws -> String {
        let name = raw.trimmedSpaces
        guard !name.isEmpty else { throw SocializerError.invalid("the \(what) is empty") }
        guard name.count <= maximumLength else {
            throw SocializerError.invalid("the \(what) is \(name.count) characters long; at most \(maximumLength) are allowed")
        }
        for scalar in name.unicodeScalars {
            if scalar.properties.generalCategory == .control {
                throw SocializerError.invalid("the \(what) contains a control character (U+\(hex(scalar.value)))")
            }
            if (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
                || scalar.value == 0x200E || scalar.value == 0x200F || scalar.value == 0x061C {
                throw SocializerError.invalid("the \(what) contains a bidirectional control (U+\(hex(scalar.value))), which can disguise it")
            }
        }
        return name
    }

    /// `0041` for U+0041: at least four upper-case hex digits.
    public static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
