/// What a name (username, skill, room, preference key) may be: non-empty
/// after trimming, at most 255 characters, no control characters, no
/// bidirectional overrides (which make a name display as another), and no
/// invisible format characters or line and paragraph separators (a
/// zero-width space, a soft hyphen or a byte-order mark makes two names
/// that print alike). Quotes, SQL-looking text, `%` and `_` are fine: values
/// are always bound. These rules are for new names: names the app wrote are
/// read and referred to as they are.
public enum NameRules {
    public static let maximumLength = 255

    /// Returns the trimmed name or throws a 65 naming `what`, not the value.
    public static func validate(_ raw: String, what: String) throws -> String {
        let name = raw.trimmedSpaces
        if let problem = problem(with: name) { throw SocializerError.invalid("the \(what) \(problem)") }
        return name
    }

    /// What is wrong with a trimmed name, as the end of a sentence whose
    /// subject is the name ("is empty"); nil when nothing is.
    public static func problem(with name: String) -> String? {
        guard !name.isEmpty else { return "is empty" }
        guard name.count <= maximumLength else {
            return "is \(name.count) characters long; at most \(maximumLength) are allowed"
        }
        for scalar in name.unicodeScalars {
            let code = "U+\(hex(scalar.value))"
            if (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
                || scalar.value == 0x200E || scalar.value == 0x200F || scalar.value == 0x061C {
                return "contains a bidirectional control (\(code)), which can disguise it"
            }
            switch scalar.properties.generalCategory {
            case .control: return "contains a control character (\(code))"
            case .format: return "contains an invisible format character (\(code)), which can disguise it"
            case .lineSeparator, .paragraphSeparator: return "contains a line or paragraph separator (\(code))"
            default: continue
            }
        }
        return nil
    }

    /// A name's identity as the database compares it (`=`, UNIQUE) and the
    /// app looks it up: its UTF-8 bytes. Swift's `==` and hashing take
    /// canonically equivalent strings as one (é as U+00E9, or as e and
    /// U+0301); the database does not, so duplicate checks use this.
    public static func identity(_ name: String) -> [UInt8] { Array(name.utf8) }

    /// `0041` for U+0041: at least four upper-case hex digits.
    public static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
