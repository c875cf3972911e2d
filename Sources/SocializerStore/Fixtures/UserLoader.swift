import SocializerCore
import SocializerSecurity

/// Loads `users` records, for `users import` and for fixtures: every
/// record is decoded and checked as it is added; every `chunkSize` records
/// the conflicts are looked up, the passwords hashed on all cores and the
/// records written. Problems go to the load's `ProblemList`; after the
/// first one nothing more is hashed or written, but records are still
/// checked, so every problem is reported (the caller rolls back).
///
/// What a load has seen (usernames, email identities, for duplicates within
/// the file) lives in the connection's `ImportLedger` (a TEMP table), not in
/// memory.
public final class UserLoader {
    public struct Settings {
        public var onConflict: ConflictPolicy
        /// The bcrypt cost of new password hashes.
        public var cost: Int
        public var now: Timestamp
        /// `member_since` of records that do not give it.
        public var today: String
        /// Compare new addresses with the app's old salted bcrypt email hashes.
        public var checkLegacy: Bool
        /// The passwords were hashed by a checking pass before the lock: the
        /// writing pass takes them from the ledger.
        public var hashed = false
        /// How addresses are found before any record gives one.
        public var lookup: EmailLookup
        /// How new addresses are stored; asked for only when a record has one.
        public var emailScheme: () throws -> EmailScheme
        /// (pairs compared so far, pairs so far, old hashes): for a progress line.
        public var legacyProgress: ((Int, Int, Int) -> Void)?
        /// The input's name, for the one error that is not a record's.
        public var sourceName = "the file"
        /// Write on after a problem (with no bcrypt: the load is rolled back
        /// anyway), so that later records referring to these users are
        /// checked too (fixture loads). Imports stop writing instead.
        public var writeAfterProblems = false

        public init(onConflict: ConflictPolicy, cost: Int, now: Timestamp, today: String, checkLegacy: Bool,
                    lookup: EmailLookup, emailScheme: @escaping () throws -> EmailScheme) {
            self.onConflict = onConflict
            self.cost = cost
            self.now = now
            self.today = today
            self.checkLegacy = checkLegacy
            self.lookup = lookup
            self.emailScheme = emailScheme
        }
    }

    /// Records are validated, hashed and written this many at a time: the
    /// passwords of a chunk are hashed on all cores, and memory holds one
    /// chunk, not the file.
    public static let chunkSize = 512

    let settings: Settings
    let repository: UserRepository
    public let ledger: ImportLedger
    let problems: ProblemList
    /// False in a checking pass (before the lock): nothing written.
    let writing: Bool
    var legacy: [UserRepository.LegacyEmailHash] = []
    /// (address, hash) pairs compared so far, for the progress line.
    public private(set) var legacyChecked = 0
    var scheme: EmailScheme?
    var lookup: EmailLookup
    public private(set) var created = 0, updated = 0, skipped = 0
    /// The ids written (created or updated), in record order.
    public private(set) var ids: [Int64] = []
    /// Records handed to `load` so far: a record's ordinal in both passes.
    var ordinal = 0
    var chunk: [UserRecord] = []
    /// Called with each record's username and the id it has in the
    /// database once written (or found, when skipped).
    public var onWritten: ((String, Int64) -> Void)?

    /// PostgreSQL: `users.messages` is a real INTEGER there, which the app's lists do not fit.
    let countsOnly: Bool
    let db: any Database

    public init(_ db: any Database, settings: Settings, writing: Bool, problems: ProblemList) throws {
        self.settings = settings
        self.writing = writing
        self.problems = problems
        repository = UserRepository(db)
        self.db = db
        countsOnly = db.dialect.isPostgres
        ledger = try ImportLedger(db)
        if writing && settings.hashed { try ledger.forgetSeen() }
        lookup = settings.lookup
        if settings.checkLegacy { legacy = try repository.legacyEmailHashes() }
        chunk.reserveCapacity(UserLoader.chunkSize)
    }

    /// Decodes and checks one record, and loads the chunk when it is full.
    public func add(_ record: InputRecord) throws {
        if countsOnly {
            let problems = FixtureLoader.nulProblems(record, json: ["preferences", "messages", "memory"])
            guard problems.isEmpty else { return problems.forEach { self.problems.add("\(record.location): \($0)") } }
        }
        let (decoded, found) = UserRecord.decode(record, now: settings.now)
        for problem in found { problems.add(problem) }
        guard var incoming = decoded else { return }
        if countsOnly, case .list(let items) = incoming.user.messages.contents {
            problems.add("\(incoming.location): user '\(incoming.user.username)' has messages, a list of \(items.count) message(s); "
                         + "users.messages is an INTEGER on PostgreSQL (as the app's models create it) and holds a count only: give 0")
            return
        }
        if let earlier = try ledger.firstSeen("user:" + incoming.user.username, at: incoming.location) {
            problems.add("\(incoming.location): user '\(incoming.user.username)' appears twice in the file (first at \(earlier))")
            return
        }
        if incoming.user.memberSince.isEmpty { incoming.user.memberSince = settings.today }
        if incoming.email != nil && scheme == nil {
            let scheme = try settings.emailScheme()
            self.scheme = scheme
            if case .keyed(let hasher) = scheme { lookup = EmailLookup(hasher: hasher) }
        }
        chunk.append(incoming)
        if chunk.count >= UserLoader.chunkSize { try flush() }
    }

    /// Loads the records added since the last flush.
    public func flush() throws {
        guard !chunk.isEmpty else { return }
        defer { chunk.removeAll(keepingCapacity: true) }
        try load(chunk)
    }

    func load(_ chunk: [UserRecord]) throws {
        var existing: [Int: User] = [:]
        try checkConflicts(chunk, &existing)
        if !legacy.isEmpty { try checkLegacyEmails(chunk) }
        let first = ordinal
        ordinal += chunk.count
        // After a problem the transaction is rolled back: hashing (and, for an import, writing) on would be wasted work.
        let doomed = !problems.isEmpty
        guard !doomed || (writing && settings.writeAfterProblems) else { return }
        var chunk = chunk
        let toHash = chunk.indices.filter { chunk[$0].password != nil && !(settings.onConflict == .skip && existing[$0] != nil) }
        if doomed {
            for index in toHash { chunk[index].user.hashedPassword = "-" }
        } else if writing && settings.hashed {
            for index in toHash {
                guard let hash = try ledger.hash(ordinal: first + index, username: chunk[index].user.username) else {
                    throw SocializerError.invalid("'\(settings.sourceName)' changed while it was imported; nothing was imported",
                                                  hint: "import a copy that nothing writes to")
                }
                chunk[index].user.hashedPassword = hash
            }
        } else if !toHash.isEmpty {
            let hashes = try Bcrypt.hashConcurrently(toHash.map { chunk[$0].password! }, cost: settings.cost)
            for (offset, index) in toHash.enumerated() {
                if writing {
                    chunk[index].user.hashedPassword = hashes[offset]
                } else {
                    try ledger.storeHash(ordinal: first + index, username: chunk[index].user.username, hash: hashes[offset])
                }
            }
        }
        guard writing else { return }
        for (index, item) in chunk.enumerated() {
            do {
                if doomed && countsOnly {
                    // PostgreSQL aborts the transaction at a failed statement: each write in a savepoint, so the load goes on.
                    try db.transaction(.immediate) { try write(item, existing: existing[index]) }
                } else {
                    try write(item, existing: existing[index])
                }
            } catch let error as SocializerError where doomed && error.code == .invalidData {
                // Already reported (a taken name or email): the doomed load only writes on to check what follows.
            }
        }
    }

    func write(_ item: UserRecord, existing: User?) throws {
        do {
            try writeRow(item, existing: existing)
        } catch var error as PostgresError where error.location == nil && !error.endedCopy {
            // PostgreSQL refused the row (a constraint of its own): say which record.
            error.location = item.location
            throw error
        }
    }

    private func writeRow(_ item: UserRecord, existing: User?) throws {
        var item = item
        if let email = item.email, let scheme { item.user.hashedEmail = scheme.store(email) }
        if let current = existing {
            if settings.onConflict == .skip {
                skipped += 1
                onWritten?(current.username, current.id)
                return
            }
            item.user.id = current.id
            if item.user.hashedEmail.isEmpty { item.user.hashedEmail = current.hashedEmail }
            if item.user.encryptionKey == nil { item.user.encryptionKey = current.encryptionKey }
            if item.user.conversationMemory == nil && item.memory == nil { item.user.conversationMemory = current.conversationMemory }
            // The app's JSON list is never replaced by a default count.
            if !item.messagesGiven { item.user.messages = current.messages }
            try repository.update(item.user, from: current)
            updated += 1
        } else {
            if item.user.hashedEmail.isEmpty { item.user.hashedEmail = try UserRepository.noEmailPlaceholder() }
            if item.user.encryptionKey == nil && !item.keyGivenAsNull { item.user.encryptionKey = try FernetKey.generate().encoded }
            item.user.id = try repository.insert(item.user)
            created += 1
        }
        ids.append(item.user.id)
        onWritten?(item.user.username, item.user.id)
        if let memory = item.memory {
            // The document's metadata names the user, so it is written once the id is known.
            let stored = try repository.require(.id(item.user.id))
            var withMemory = stored
            let document = try ConversationMemory.complete(memory, userID: stored.id, now: settings.now).document
            withMemory.conversationMemory = try Fernet.encrypt(Array(document.compactText.utf8),
                key: try FernetKey(encoded: stored.encryptionKey!), now: settings.now.secondsSinceEpoch)
            try repository.update(withMemory, from: stored)
        }
    }

    /// Usernames that exist, and emails already taken or given twice, in
    /// every stored form but the app's old bcrypt hashes (checked apart).
    /// Earlier chunks are already written, so "stored" includes them;
    /// a repeat within the file is reported as such, once.
    func checkConflicts(_ chunk: [UserRecord], _ existing: inout [Int: User]) throws {
        for (index, item) in chunk.enumerated() {
            if let current = try repository.find(.name(item.user.username)) {
                if settings.onConflict == .fail {
                    problems.add("\(item.location): user '\(item.user.username)' already exists", conflict: true)
                } else {
                    existing[index] = current
                }
            }
            guard let identity = item.emailIdentity else { continue }
            if let earlier = try ledger.firstSeen("email:" + identity, at: item.location) {
                problems.add("\(item.location): the same email as the record at \(earlier)")
                continue
            }
            let owners = try item.address.map { try repository.usersWithEmail($0, lookup: lookup, checkBcrypt: false) }
                ?? (try repository.find(hashedEmail: item.user.hashedEmail)).map { [$0] } ?? []
            if owners.contains(where: { $0.username != item.user.username }) {
                problems.add("\(item.location): a user with that email already exists", conflict: true)
            }
        }
    }

    /// New addresses against the app's old salted bcrypt email hashes: one
    /// bcrypt per (record, hash) pair, a chunk's pairs on all cores.
    func checkLegacyEmails(_ chunk: [UserRecord]) throws {
        let items = chunk.filter { $0.address != nil }
        guard !items.isEmpty else { return }
        let before = legacyChecked
        let count = legacy.count
        let progress = settings.legacyProgress
        let matches = try repository.bcryptMatches(items.map { $0.address! }, legacy, lookup: lookup) { done, total in
            progress?(before + done, before + total, count)
        }
        legacyChecked += items.count * legacy.count
        for (item, found) in zip(items, matches) {
            for index in found where try repository.require(.id(legacy[index].id)).username != item.user.username {
                problems.add("\(item.location): a user with that email already exists", conflict: true)
            }
        }
    }
}
