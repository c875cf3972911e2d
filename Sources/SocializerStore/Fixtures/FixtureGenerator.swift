import SocializerCore
import SocializerSecurity

/// SplitMix64 (Steele, Lea and Flood 2014): a small seeded generator, so
/// the same seed gives the same synthetic data on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0..<n (n > 0); the modulo's bias is far below anything a load test sees.
    @inline(__always)
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// true `percent` times in a hundred.
    @inline(__always)
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    /// A uniform double in 0..<1.
    @inline(__always)
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}

/// Writes a synthetic database (`seed --generate`): every table group of
/// the spec, with the shapes of a real community (a few large rooms and
/// many small ones, members per room, messages skewed toward busy rooms,
/// timestamps spread over the period in insertion order, a share of
/// expired tokens). Deterministic: the same spec, seed and period give the
/// same rows, so their dump is the same bytes (secrets aside: keys and the
/// password hash are random).
///
/// Rows are bound straight into each table's `RowSink` (on SQLite the
/// prepared INSERT of the `FixtureTable` columns the loader uses, on
/// PostgreSQL a COPY row), text built in reused buffers: no record is
/// decoded and no value is made per row. Both engines get the same rows
/// and ids.
public final class FixtureGenerator {
    /// Every generated user's password (documented in socializer-seed(1)); hashed once.
    public static let password = "socializer-load-test"
    /// Generated users' addresses: USERNAME@example.com, stored as the app's registration stores them.
    public static let emailDomain = "example.com"
    /// The secret generated tokens are signed with (HS256).
    public static let tokenSecret = "socializer-load-test"

    static let firstNames = ["ada", "grace", "linus", "margaret", "tim", "hedy", "alan", "barbara", "dennis", "frances",
                             "ken", "radia", "john", "joan", "edsger", "katherine", "donald", "annie", "niklaus", "sophie",
                             "guido", "shafi", "bjarne", "lynn", "whitfield", "mary", "claude", "evelyn", "vint", "karen"]
    static let lastNames = ["okafor", "lindqvist", "moreau", "tanaka", "silva", "novak", "haddad", "kowalski", "nguyen", "brennan",
                            "ferrari", "osei", "petrov", "santos", "larsen", "yilmaz", "dubois", "mensah", "schmidt", "rao"]
    static let skillNames = ["empathy", "active_listening", "small_talk", "conflict_resolution", "public_speaking", "assertiveness",
                             "storytelling", "giving_feedback", "receiving_feedback", "networking", "negotiation", "humor",
                             "body_language", "eye_contact", "asking_questions", "remembering_names", "saying_no",
                             "apologizing", "complimenting", "group_conversation", "phone_calls", "video_calls",
                             "first_impressions", "ending_conversations"]
    static let words = ["the", "a", "we", "you", "I", "meetup", "practice", "talk", "listen", "question", "today", "tomorrow",
                        "coffee", "group", "nervous", "great", "idea", "book", "chapter", "week", "people", "friend", "new",
                        "try", "again", "maybe", "really", "thanks", "story", "conversation", "start", "remember", "name",
                        "smile", "feedback", "exercise", "join", "later", "evening", "morning", "quick", "long", "felt",
                        "better", "hard", "easy", "first", "next", "time", "about", "with", "and", "but", "so", "because",
                        "when", "how", "what", "where", "is", "was", "will", "can", "could", "should", "it", "that", "this",
                        "good", "bad", "fun", "walk", "station", "park", "online", "call", "message", "voice", "room", "open",
                        "close", "ask", "share", "help", "learn", "plan", "goal", "step", "small", "big", "every", "some"]
    static let roomNouns = ["circle", "club", "corner", "lounge", "hall", "studio", "table", "hub", "garden", "workshop"]
    static let roomAdjectives = ["tuesday", "friendly", "quiet", "weekend", "morning", "book", "practice", "newcomers", "city", "open"]
    /// The preference types and keys users get, with the values they take.
    static let preferenceCatalogue: [(type: String, key: String, values: [JSONValue])] = [
        ("communication", "tone", [.string("direct"), .string("warm"), .string("playful")]),
        ("communication", "formality", [.string("casual"), .string("formal")]),
        ("topics", "interests", [.array([.string("chess"), .string("hiking")]), .array([.string("books")]), .array([.string("music"), .string("film")])]),
        ("topics", "avoid", [.array([.string("politics")]), .array([])]),
        ("learning", "pace", [.object([("sessions_per_week", .integer(1))]), .object([("sessions_per_week", .integer(3))])]),
        ("learning", "style", [.string("examples"), .string("role_play")]),
        ("schedule", "best_time", [.string("morning"), .string("evening")]),
        ("ai", "verbosity", [.string("short"), .string("detailed")]),
        ("ai", "humor", [.bool(true), .bool(false)]),
        ("feedback", "style", [.string("gentle"), .string("blunt")]),
        ("goals", "primary", [.string("make friends"), .string("speak up at work"), .string("date again")]),
        ("goals", "deadline", [.string("2026-12-31"), .null]),
    ]
    static let errorTypes = ["ValueError", "KeyError", "TimeoutError", "ConnectionError", "IntegrityError", "HTTPException", "TypeError"]
    static let paths = ["/api/chat", "/api/rooms", "/api/rooms/messages", "/api/auth/login", "/api/users/me", "/api/skills"]

    let db: any Database
    let sinks: RowSinks
    /// `users.messages` holds a count only (PostgreSQL's INTEGER, as the
    /// app's models create it; see UserLoader): a user who would get the
    /// app's list of messages gets 0 there, the same draws made.
    let countsOnly: Bool
    let spec: GenerationSpec
    var rng: SplitMix64
    let cost: Int
    let start: Timestamp
    let until: Timestamp
    var counts: [FixtureGroup: Int] = [:]
    var text: [UInt8] = []
    var time: [UInt8] = []
    var userIDs: [Int64] = []
    var usernames: [String] = []
    var skillIDs: [Int64] = []
    var rooms: [Room] = []
    var roomWeights: [Double] = []

    struct Room {
        var id: Int64
        var name: String?
        var created: Timestamp
        var ai: Bool
        /// Indexes into the users of every person in the room, the creator first.
        var members: [Int32]
    }

    /// `committing`: whether the caller's transaction will commit (false for
    /// a dry run, whose sequences are then left where they were: PostgreSQL
    /// never rolls a `setval` back).
    public init(_ db: any Database, spec: GenerationSpec, seed: UInt64, cost: Int, now: Timestamp, committing: Bool = true) {
        self.db = db
        sinks = RowSinks(db, settingSequences: committing)
        countsOnly = db.dialect.isPostgres
        self.spec = spec
        rng = SplitMix64(seed: seed)
        self.cost = cost
        let day = Timestamp.parse(now.dateText)!
        until = spec.until ?? day
        start = until.adding(seconds: -Int64(spec.days) * 86_400)
        text.reserveCapacity(512)
        time.reserveCapacity(32)
    }

    /// Writes every table of the spec inside the caller's transaction.
    public func run() throws -> [FixtureLoader.TableCount] {
        for statement in db.dialect.bulkLoadCache(kib: FixtureLoader.cacheKiB) { try db.execute(statement) }
        try users()
        try skills()
        try pairs(.levels)
        try pairs(.training)
        try preferences()
        try makeRooms()
        try messages()
        try invites()
        try general()
        try tokens()
        try logs()
        try sinks.finish()
        return FixtureGroup.allCases.map { FixtureLoader.TableCount(group: $0, created: counts[$0] ?? 0) }
    }

    // MARK: Helpers

    func insert(_ group: FixtureGroup) throws -> any RowSink { try sinks.sink(group.table, columns: group.schema.columns) }

    /// `offset` into the period, as a fraction.
    func at(_ fraction: Double) -> Timestamp {
        Timestamp(microsecondsSinceEpoch: start.microseconds + Int64(Double(until.microseconds - start.microseconds) * fraction))
    }

    func bindTime(_ statement: any RowSink, _ instant: Timestamp, at index: Int32) throws {
        time.removeAll(keepingCapacity: true)
        instant.writeDatabaseText(to: &time)
        try time.withUnsafeBufferPointer { try statement.bind(text: $0, at: index) }
    }

    func bindDate(_ statement: any RowSink, _ instant: Timestamp, at index: Int32) throws {
        time.removeAll(keepingCapacity: true)
        instant.writeDate(to: &time)
        try time.withUnsafeBufferPointer { try statement.bind(text: $0, at: index) }
    }

    func bindText(_ statement: any RowSink, at index: Int32) throws {
        try text.withUnsafeBufferPointer { try statement.bind(text: $0, at: index) }
    }

    func checkInterruption(_ n: Int) throws {
        if n & 4095 == 0 && Interruption.isRequested { throw FixtureLoader.interrupted }
    }

    /// A sentence of `minimum`…`maximum` words into `text`.
    func sentence(_ minimum: Int, _ maximum: Int) {
        text.removeAll(keepingCapacity: true)
        let count = minimum + rng.below(maximum - minimum + 1)
        for n in 0..<count {
            if n > 0 { text.append(UInt8(ascii: " ")) }
            let word = FixtureGenerator.wordBytes[rng.below(FixtureGenerator.wordBytes.count)]
            if n == 0, let first = word.first, first >= 0x61 && first <= 0x7A {
                text.append(first - 32)
                text.append(contentsOf: word.dropFirst())
            } else {
                text.append(contentsOf: word)
            }
        }
        text.append(rng.chance(15) ? UInt8(ascii: "?") : UInt8(ascii: "."))
    }

    static let wordBytes: [[UInt8]] = words.map { Array($0.utf8) }

    /// A step coprime with `n`, so `(a * i + b) mod n` visits 0..<n once each.
    func coprimeStep(_ n: Int) -> Int {
        guard n > 1 else { return 1 }
        var step = 1 + rng.below(n - 1)
        while gcd(step, n) != 1 { step = step % (n - 1) + 1 }
        return step
    }

    func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    /// A user index, skewed: some people talk far more than others.
    func talkativeUser() -> Int { min(usernames.count - 1, Int(rng.unit() * rng.unit() * Double(usernames.count))) }

    // MARK: Tables

    func users() throws {
        let n = spec[.users]
        guard n > 0 else { return }
        let hash = try Bcrypt.hash(Array(FixtureGenerator.password.utf8), cost: cost)
        let statement = try sinks.sink("users", columns: UserRepository.insertColumns)
        userIDs.reserveCapacity(n)
        usernames.reserveCapacity(n)
        let since = start.adding(seconds: -365 * 86_400)
        let span = Double(at(0.5).microseconds - since.microseconds)
        for i in 0..<n {
            try checkInterruption(i)
            let first = FixtureGenerator.firstNames[rng.below(FixtureGenerator.firstNames.count)]
            let last = FixtureGenerator.lastNames[rng.below(FixtureGenerator.lastNames.count)]
            let name = "\(first).\(last)\(i + 1)"
            usernames.append(name)
            statement.clear()
            try statement.bind(.text(name), at: 1)
            try statement.bind(.text(rng.chance(2) ? "admin" : "user"), at: 2)
            try statement.bind(Int64(rng.chance(95) ? 1 : 0), at: 3)
            try statement.bind(rng.chance(70) ? 0.7 : Double(2 + rng.below(14)) / 10, at: 4)
            let preferences: JSONValue = rng.chance(30)
                ? .object([("tone", FixtureGenerator.preferenceCatalogue[0].values[rng.below(3)])]) : .object([])
            try statement.bind(.text(preferences.compactText), at: 5)
            try statement.bind(.text(""), at: 6)
            try statement.bind(.text(hash), at: 7)
            try statement.bind(.text(name + "@" + FixtureGenerator.emailDomain), at: 8)
            try bindDate(statement, Timestamp(microsecondsSinceEpoch: since.microseconds + Int64(span * Double(i) / Double(n))), at: 9)
            if rng.chance(25) {
                sentence(4, 12)
                let asked = String(decoding: text, as: UTF8.self)
                sentence(6, 16)
                let answered = String(decoding: text, as: UTF8.self)
                let list = StoredMessages.list([.object([("content", .string(asked)), ("role", .string("user"))]),
                                                .object([("content", .string(answered)), ("role", .string("assistant"))])])
                try statement.bind(countsOnly ? .integer(0) : list.value, at: 10)
            } else {
                try statement.bind(Int64(0), at: 10)
            }
            try statement.bind(.text(try FernetKey.generate().encoded), at: 11)
            try statement.bindNull(at: 12)
            if rng.chance(10) {
                try statement.bind(.text("ollama"), at: 13)
                try statement.bind(.text("http://localhost:11434"), at: 14)
                try statement.bind(.text(rng.chance(50) ? "llama3" : "mistral"), at: 15)
            } else {
                for index in Int32(13)...15 { try statement.bindNull(at: index) }
            }
            try statement.run()
            userIDs.append(statement.insertedID)
        }
        counts[.users] = n
    }

    func skills() throws {
        let n = spec[.skills]
        guard n > 0 else { return }
        let statement = try insert(.skills)
        for i in 0..<n {
            statement.clear()
            let name = i < FixtureGenerator.skillNames.count ? FixtureGenerator.skillNames[i] : "skill_\(i + 1)"
            try statement.bind(.text(name), at: 1)
            try statement.run()
            skillIDs.append(statement.insertedID)
        }
        counts[.skills] = n
    }

    /// user_skills and training: distinct (user, skill) pairs.
    func pairs(_ key: GenerationSpec.Key) throws {
        let n = spec[key]
        guard n > 0 else { return }
        let total = userIDs.count * skillIDs.count
        let step = coprimeStep(total)
        let offset = rng.below(total)
        let group: FixtureGroup = key == .levels ? .userSkills : .training
        let statement = try insert(group)
        for i in 0..<n {
            try checkInterruption(i)
            let pair = (step * i + offset) % total
            let user = pair / skillIDs.count, skill = pair % skillIDs.count
            statement.clear()
            try statement.bind(userIDs[user], at: 1)
            try statement.bind(skillIDs[skill], at: 2)
            if key == .levels {
                try statement.bind(Int64(min(10, rng.below(6) + rng.below(6))), at: 3)
            } else {
                // status, progress, started_at, completed_at, notes
                let roll = rng.below(100)
                let started = at(rng.unit() * 0.9)
                let status: TrainingStatus = roll < 20 ? .pending : roll < 65 ? .active : roll < 80 ? .paused : .completed
                try statement.bind(.text(status.rawValue), at: 3)
                let progress: Double = status == .pending ? 0 : status == .completed ? 1 : Double(1 + rng.below(19)) / 20
                try statement.bind(progress, at: 4)
                try bindDate(statement, started, at: 5)
                if status == .completed {
                    try bindDate(statement, started.adding(seconds: Int64(1 + rng.below(60)) * 86_400), at: 6)
                } else {
                    try statement.bindNull(at: 6)
                }
                if rng.chance(30) {
                    sentence(3, 8)
                    try bindText(statement, at: 7)
                } else {
                    try statement.bindNull(at: 7)
                }
            }
            try statement.run()
        }
        counts[group] = n
    }

    func preferences() throws {
        let n = spec[.prefs]
        guard n > 0 else { return }
        let catalogue = FixtureGenerator.preferenceCatalogue
        let total = userIDs.count * catalogue.count
        let step = coprimeStep(total)
        let offset = rng.below(total)
        let statement = try insert(.userPreferences)
        for i in 0..<n {
            try checkInterruption(i)
            let slot = (step * i + offset) % total
            let entry = catalogue[slot % catalogue.count]
            statement.clear()
            try statement.bind(userIDs[slot / catalogue.count], at: 1)
            try statement.bind(.text(entry.type), at: 2)
            try statement.bind(.text(entry.key), at: 3)
            try statement.bind(.text(entry.values[rng.below(entry.values.count)].compactText), at: 4)
            try statement.bind(Double(30 + rng.below(71)) / 100, at: 5)
            try bindDate(statement, at(rng.unit()), at: 6)
            try statement.run()
        }
        counts[.userPreferences] = n
    }

    /// Rooms, their creators, AI members and members: a few large rooms, many small ones.
    func makeRooms() throws {
        let n = spec[.rooms]
        guard n > 0 else { return }
        let roomStatement = try insert(.chatRooms)
        for i in 0..<n {
            let creator = rng.below(usernames.count)
            let roll = rng.below(100)
            let type: RoomType = roll < 70 ? .group : roll < 90 ? .private : .direct
            let name: String? = type == .direct ? nil
                : FixtureGenerator.roomAdjectives[rng.below(10)].prefix(1).uppercased()
                    + FixtureGenerator.roomAdjectives[rng.below(10)].dropFirst() + " " + FixtureGenerator.roomNouns[rng.below(10)]
            let created = at(0.2 * Double(i) / Double(n))
            let ai = rng.chance(90)
            let isPublic = type == .group && rng.chance(40)
            roomStatement.clear()
            try roomStatement.bind(name.map(DatabaseValue.text) ?? .null, at: 1)
            try roomStatement.bind(userIDs[creator], at: 2)
            try bindTime(roomStatement, created, at: 3)
            try roomStatement.bind(Int64(rng.chance(95) ? 1 : 0), at: 4)
            try roomStatement.bind(.text(type.rawValue), at: 5)
            try roomStatement.bind(Int64(ai ? 1 : 0), at: 6)
            try roomStatement.bind(isPublic && rng.chance(25) ? .text("pass-\(i + 1)") : .null, at: 7)
            try roomStatement.bind(Int64(isPublic ? 1 : 0), at: 8)
            try roomStatement.run()
            rooms.append(Room(id: roomStatement.insertedID, name: name, created: created, ai: ai, members: [Int32(creator)]))
        }
        counts[.chatRooms] = n
        // Busy rooms first in no particular order: weight 1/rank.
        var ranks = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { ranks.swapAt(i, rng.below(i + 1)) }
        var weights = [Double](repeating: 0, count: n)
        for (rank, room) in ranks.enumerated() { weights[room] = 1 / Double(rank + 1) }
        var running = 0.0
        roomWeights = weights.map { running += $0; return running }
        // People beyond the creators, placed by the same skew.
        var extra = spec.members - n
        let capacity = usernames.count - 1
        var steps = (0..<n).map { _ in coprimeStep(usernames.count) }
        while extra > 0 && capacity > 0 {
            var room = pickRoom()
            while rooms[room].members.count > capacity { room = (room + 1) % n }
            let creator = Int(rooms[room].members[0])
            let next = (creator + steps[room] * rooms[room].members.count) % usernames.count
            rooms[room].members.append(Int32(next))
            extra -= 1
        }
        steps.removeAll()
        let statement = try insert(.roomMembers)
        var written = 0
        for room in rooms {
            for (position, member) in room.members.enumerated() {
                let joined = position == 0 ? room.created : room.created.adding(seconds: Int64(rng.below(86_400 * max(1, spec.days / 10))))
                try writeMember(statement, room: room.id, user: userIDs[Int(member)], role: position == 0 ? .creator : .member,
                           joined: joined, active: position == 0 || rng.chance(95), lastRead: rng.chance(30) ? at(0.9 + rng.unit() * 0.1) : nil)
                written += 1
                if position == 0 && room.ai {
                    try writeMember(statement, room: room.id, user: nil, role: .ai, joined: room.created, active: true, lastRead: nil)
                    written += 1
                }
            }
        }
        counts[.roomMembers] = written
    }

    func writeMember(_ statement: any RowSink, room: Int64, user: Int64?, role: MemberRole, joined: Timestamp, active: Bool,
                lastRead: Timestamp?) throws {
        statement.clear()
        try statement.bind(room, at: 1)
        try statement.bind(user.map(DatabaseValue.integer) ?? .null, at: 2)
        try bindTime(statement, joined, at: 3)
        try statement.bind(.text(role.rawValue), at: 4)
        try statement.bind(Int64(active ? 1 : 0), at: 5)
        if let lastRead { try bindTime(statement, lastRead, at: 6) } else { try statement.bindNull(at: 6) }
        try statement.run()
    }

    /// A room index, busy rooms more often.
    func pickRoom() -> Int {
        let target = rng.unit() * roomWeights[roomWeights.count - 1]
        var low = 0, high = roomWeights.count - 1
        while low < high {
            let middle = (low + high) / 2
            if roomWeights[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }

    func messages() throws {
        let n = spec[.messages]
        guard n > 0 else { return }
        let statement = try insert(.roomMessages)
        let from = 0.2, span = 0.8
        for i in 0..<n {
            try checkInterruption(i)
            let room = rooms[pickRoom()]
            let created = at(from + span * (Double(i) + rng.unit()) / Double(n))
            statement.clear()
            try statement.bind(room.id, at: 1)
            let roll = rng.below(100)
            if roll < 2 {
                try statement.bindNull(at: 2)
                try statement.bind(.text("system"), at: 3)
                text.removeAll(keepingCapacity: true)
                text.append(contentsOf: usernames[Int(room.members[rng.below(room.members.count)])].utf8)
                text.append(contentsOf: " joined the room".utf8)
                try bindText(statement, at: 4)
                try statement.bind(.text("system"), at: 5)
                try statement.bind(.text("{}"), at: 6)
            } else if roll < 14 && room.ai {
                try statement.bindNull(at: 2)
                try statement.bind(.text("ai"), at: 3)
                sentence(8, 30)
                try bindText(statement, at: 4)
                try statement.bind(.text("text"), at: 5)
                text.removeAll(keepingCapacity: true)
                text.append(contentsOf: #"{"model":"llama3","tokens":"#.utf8)
                JSONValue.writeInteger(Int64(20 + rng.below(200)), to: &text)
                text.append(UInt8(ascii: "}"))
                try bindText(statement, at: 6)
            } else {
                try statement.bind(userIDs[Int(room.members[rng.below(room.members.count)])], at: 2)
                try statement.bind(.text("user"), at: 3)
                sentence(4, 28)
                try bindText(statement, at: 4)
                try statement.bind(.text("text"), at: 5)
                try statement.bind(.text("{}"), at: 6)
            }
            try bindTime(statement, created, at: 7)
            if rng.chance(4) { try bindTime(statement, created.adding(seconds: Int64(1 + rng.below(600))), at: 8) } else { try statement.bindNull(at: 8) }
            try statement.bind(Int64(rng.chance(2) ? 1 : 0), at: 9)
            try statement.run()
        }
        counts[.roomMessages] = n
    }

    /// Invites to people not in the room, each with its invite message;
    /// an accepted invite made its invitee a member, as the app does.
    func invites() throws {
        let n = spec[.invites]
        guard n > 0 else { return }
        let messages = try insert(.roomMessages)
        let invites = try insert(.roomInvites)
        let members = try insert(.roomMembers)
        var taken = rooms.map { Set($0.members) }
        var added = 0
        for i in 0..<n {
            try checkInterruption(i)
            var room = rng.below(rooms.count)
            while taken[room].count >= usernames.count { room = (room + 1) % rooms.count }
            var invitee = rng.below(usernames.count)
            while taken[room].contains(Int32(invitee)) { invitee = (invitee + 1) % usernames.count }
            taken[room].insert(Int32(invitee))
            let inviter = Int(rooms[room].members[0])
            let created = Timestamp(microsecondsSinceEpoch: rooms[room].created.microseconds
                + Int64(rng.unit() * Double(until.microseconds - rooms[room].created.microseconds)))
            messages.clear()
            try messages.bind(rooms[room].id, at: 1)
            try messages.bind(userIDs[inviter], at: 2)
            try messages.bind(.text("user"), at: 3)
            try messages.bind(.text("\(usernames[inviter]) invited \(usernames[invitee]) to \(rooms[room].name ?? "a direct chat")"), at: 4)
            try messages.bind(.text("invite"), at: 5)
            try messages.bind(.text("{}"), at: 6)
            try bindTime(messages, created, at: 7)
            try messages.bindNull(at: 8)
            try messages.bind(Int64(0), at: 9)
            try messages.run()
            let message = messages.insertedID
            let roll = rng.below(100)
            let status: InviteStatus = roll < 50 ? .pending : roll < 85 ? .accepted : .declined
            let responded = created.adding(seconds: Int64(3600 + rng.below(3 * 86_400)))
            invites.clear()
            try invites.bind(rooms[room].id, at: 1)
            try invites.bind(userIDs[inviter], at: 2)
            try invites.bind(userIDs[invitee], at: 3)
            try invites.bind(.text(status.rawValue), at: 4)
            try invites.bind(message, at: 5)
            try bindTime(invites, created, at: 6)
            if status == .pending { try invites.bindNull(at: 7) } else { try bindTime(invites, responded, at: 7) }
            try invites.run()
            if status == .accepted {
                try writeMember(members, room: rooms[room].id, user: userIDs[invitee], role: .member, joined: responded, active: true, lastRead: nil)
                added += 1
            }
        }
        counts[.roomMessages, default: 0] += n
        counts[.roomMembers, default: 0] += added
        counts[.roomInvites] = n
    }

    func general() throws {
        let n = spec[.general]
        guard n > 0 else { return }
        let statement = try insert(.generalChatMessages)
        for i in 0..<n {
            try checkInterruption(i)
            statement.clear()
            try statement.bind(userIDs[talkativeUser()], at: 1)
            sentence(3, 20)
            try bindText(statement, at: 2)
            try bindTime(statement, at((Double(i) + rng.unit()) / Double(n)), at: 3)
            try statement.run()
        }
        counts[.generalChatMessages] = n
    }

    /// Revoked tokens: most expired already (purge work), some not yet.
    func tokens() throws {
        let n = spec[.tokens]
        guard n > 0 else { return }
        let statement = try insert(.tokenBlacklist)
        let secret = Array(FixtureGenerator.tokenSecret.utf8)
        let reasons = ["logout", "logout", "logout", "password_changed", "deactivated", "compromised"]
        for i in 0..<n {
            try checkInterruption(i)
            let lifetime: Int64 = rng.chance(70) ? 1800 : 7 * 86_400
            let expires = rng.chance(30) ? until.adding(seconds: 60 + Int64(rng.below(7 * 86_400)))
                : at(rng.unit()).adding(seconds: lifetime)
            let created = expires.adding(seconds: -Int64(rng.below(Int(lifetime))))
            let user = usernames.isEmpty || rng.chance(10) ? nil : rng.below(usernames.count)
            let token = JWT.encode(claims: .object([("sub", .string(user.map { usernames[$0] } ?? "deleted-user")),
                                                    ("exp", .integer(expires.secondsSinceEpoch)), ("jti", .string("t\(i + 1)"))]),
                                   algorithm: .hs256, secret: secret)
            statement.clear()
            try statement.bind(.text(token), at: 1)
            try bindTime(statement, Timestamp(secondsSinceEpoch: expires.secondsSinceEpoch), at: 2)
            try bindTime(statement, created, at: 3)
            try statement.bind(user.map { .integer(userIDs[$0]) } ?? .null, at: 4)
            try statement.bind(.text(reasons[rng.below(reasons.count)]), at: 5)
            try statement.run()
        }
        counts[.tokenBlacklist] = n
    }

    func logs() throws {
        let n = spec[.logs]
        guard n > 0 else { return }
        let statement = try insert(.errorLogs)
        for i in 0..<n {
            try checkInterruption(i)
            let type = FixtureGenerator.errorTypes[min(FixtureGenerator.errorTypes.count - 1, Int(rng.unit() * rng.unit() * 7))]
            let path = FixtureGenerator.paths[rng.below(FixtureGenerator.paths.count)]
            statement.clear()
            try bindTime(statement, at((Double(i) + rng.unit()) / Double(n)), at: 1)
            try statement.bind(!usernames.isEmpty && rng.chance(60) ? .integer(userIDs[rng.below(userIDs.count)]) : .null, at: 2)
            try statement.bind(.text(type), at: 3)
            sentence(3, 10)
            try bindText(statement, at: 4)
            if rng.chance(40) {
                try statement.bind(.text("Traceback (most recent call last):\n  File \"app\(path).py\", line \(10 + rng.below(300)), in handler\n\(type): failed"),
                                   at: 5)
            } else {
                try statement.bindNull(at: 5)
            }
            if rng.chance(70) {
                try statement.bind(.text(JSONValue.object([("path", .string(path)), ("method", .string(rng.chance(50) ? "POST" : "GET"))]).compactText),
                                   at: 6)
            } else {
                try statement.bindNull(at: 6)
            }
            try statement.run()
        }
        counts[.errorLogs] = n
    }
}
