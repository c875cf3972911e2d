import SocializerCore

/// What a synthetic database holds (`users=1000,rooms=50,messages=100000,…`):
/// a row count per table group, reachable by a short name or the table's
/// own, and the period the data spreads over. Every count is checked
/// against what the others make possible before anything is written.
public struct GenerationSpec: Sendable, Equatable {
    public enum Key: String, CaseIterable, Sendable {
        case users, skills, levels, training, prefs, rooms, members, messages, invites, general, tokens, logs

        /// The table the key fills.
        public var table: String {
            switch self {
            case .users: return "users"
            case .skills: return "skills"
            case .levels: return "user_skills"
            case .training: return "training"
            case .prefs: return "user_preferences"
            case .rooms: return "chat_rooms"
            case .members: return "room_members"
            case .messages: return "room_messages"
            case .invites: return "room_invites"
            case .general: return "general_chat_messages"
            case .tokens: return "token_blacklist"
            case .logs: return "error_logs"
            }
        }

        static func named(_ name: String) -> Key? {
            Key(rawValue: name) ?? Key.allCases.first { $0.table == name } ?? (name == "preferences" ? .prefs : nil)
        }
    }

    public static let maximumCount = 100_000_000
    public static let dayRange = 1...36_500

    public private(set) var counts: [Key: Int] = [:]
    /// How many days back from `until` the data spreads (default 90).
    public var days = 90
    /// The end of the period (default: the start of the current UTC day).
    public var until: Timestamp?

    public init() {}

    public subscript(_ key: Key) -> Int {
        get { counts[key] ?? 0 }
        set { counts[key] = newValue }
    }

    /// Human members in all rooms (creators included; the AI members come on top).
    public var members: Int { counts[.members] ?? defaultMembers }

    /// Each room's creator and up to four others.
    var defaultMembers: Int { self[.rooms] * min(self[.users], 5) }

    static func usage(_ message: String) -> SocializerError {
        .usage("generation spec: \(message)", hint: "write KEY=N pairs separated by commas, for example users=1000,rooms=50,messages=100000")
    }

    /// Parses and checks a spec.
    public static func parse(_ text: String) throws -> GenerationSpec {
        var spec = GenerationSpec()
        var seen = Set<String>()
        let keys = Key.allCases.map(\.rawValue) + ["days", "until"]
        guard !text.trimmedSpaces.isEmpty else { throw usage("the spec is empty") }
        for pair in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0].trimmedSpaces
            guard parts.count == 2, !name.isEmpty else {
                throw usage(pair.isEmpty ? "an empty item (two commas in a row?)" : "'\(Echo.cut(String(pair)))' is not KEY=N")
            }
            let value = parts[1].trimmedSpaces
            let canonical = Key.named(name)?.rawValue ?? name
            guard keys.contains(canonical) else {
                let hint = Suggestions.closest(to: name, among: keys).map { " (did you mean '\($0)'?)" } ?? ""
                throw usage("unknown key '\(Echo.cut(name))'\(hint); the keys are \(keys.joined(separator: ", "))")
            }
            guard seen.insert(canonical).inserted else { throw usage("'\(canonical)' is given twice") }
            if canonical == "until" {
                guard let day = Timestamp.parse(value) else { throw usage("until=\(Echo.cut(value)) is not a date (2026-01-31)") }
                spec.until = day
                continue
            }
            guard !value.isEmpty, value.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw usage("\(canonical)=\(Echo.cut(value)) is not a whole number")
            }
            // All digits but past Int: too large, which is what to say.
            guard let number = Int(value) else {
                throw usage("\(canonical)=\(Echo.cut(value)) is more than \(canonical == "days" ? dayRange.upperBound : maximumCount)")
            }
            if canonical == "days" {
                guard dayRange.contains(number) else { throw usage("days=\(number) is outside \(dayRange.lowerBound) to \(dayRange.upperBound)") }
                spec.days = number
                continue
            }
            guard number <= maximumCount else { throw usage("\(canonical)=\(number) is more than \(maximumCount)") }
            spec.counts[Key(rawValue: canonical)!] = number
        }
        try spec.check()
        return spec
    }

    /// What the counts make possible: people before what they own, rooms
    /// before what happens in them, distinct pairs where the schema wants them.
    func check() throws {
        let users = self[.users], skills = self[.skills], rooms = self[.rooms]
        for key in [Key.levels, .training, .prefs, .rooms, .general] where self[key] > 0 && users == 0 {
            throw GenerationSpec.usage("\(key.rawValue)=\(self[key]) needs users to belong to: add users=N")
        }
        for key in [Key.levels, .training] where self[key] > 0 && skills == 0 {
            throw GenerationSpec.usage("\(key.rawValue)=\(self[key]) needs skills: add skills=N")
        }
        for key in [Key.members, .messages, .invites] where self[key] > 0 && rooms == 0 {
            throw GenerationSpec.usage("\(key.rawValue)=\(self[key]) needs rooms: add rooms=N")
        }
        for key in [Key.levels, .training] where self[key] > users * skills {
            throw GenerationSpec.usage("\(key.rawValue)=\(self[key]) is more than the \(users * skills) distinct (user, skill) pairs")
        }
        let preferenceSlots = users * FixtureGenerator.preferenceCatalogue.count
        if self[.prefs] > preferenceSlots {
            throw GenerationSpec.usage("prefs=\(self[.prefs]) is more than the \(preferenceSlots) distinct (user, type, key) triples "
                                       + "(\(FixtureGenerator.preferenceCatalogue.count) per user)")
        }
        if rooms > 0 {
            if members < rooms { throw GenerationSpec.usage("members=\(members) is fewer than one creator per room (\(rooms))") }
            if members > rooms * users {
                throw GenerationSpec.usage("members=\(members) is more than every user in every room (\(rooms * users))")
            }
            if self[.invites] > rooms * users - members {
                throw GenerationSpec.usage("invites=\(self[.invites]) is more than the \(rooms * users - members) (room, user) pairs not yet members")
            }
        }
    }
}
