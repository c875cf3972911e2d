import SocializerCore
import SocializerSecurity

extension Doctor {
    /// Counts with the ids of the first few, per kind.
    struct Tally {
        var counts: [String: Int64] = [:]
        var ids: [String: [Int64]] = [:]
        var order: [String] = []

        mutating func add(_ kind: String, _ id: Int64) {
            if counts[kind] == nil { order.append(kind) }
            counts[kind, default: 0] += 1
            if ids[kind, default: []].count < DoctorFinding.sampleSize { ids[kind, default: []].append(id) }
        }

        var total: Int64 { counts.values.reduce(0, +) }
        /// The first few ids over every kind, in id order.
        var sample: [Int64] { Array(ids.values.flatMap { $0 }.sorted().prefix(DoctorFinding.sampleSize)) }
        /// "2 SHA-256 digest, 1 empty".
        var breakdown: String { order.map { "\(counts[$0]!) \($0)" }.joined(separator: ", ") }

        /// The finding about these users, if there are any; `message` gets the count.
        func finding(_ code: DoctorFinding.Code, column: String, remedy: DoctorFinding.Remedy?,
                     _ message: (Int64) -> String) -> DoctorFinding? {
            guard total > 0 else { return nil }
            return DoctorFinding(code, table: "users", column: column, count: total,
                                 message(total) + DoctorFinding.rowidNote(sample, of: total), rowids: sample, remedy: remedy)
        }
    }

    /// One pass over users for what only Swift can classify: the stored
    /// email forms (SPEC §2), password hashes bcrypt cannot verify, and
    /// encryption keys that are not Fernet keys.
    func userFindings(_ facts: SchemaFacts) throws -> [DoctorFinding] {
        let columns = ["hashed_email", "hashed_password", "encryption_key", "conversation_memory"]
        guard columns.allSatisfy({ facts.hasColumn("users", $0) }) else { return [] }
        var plain = Tally(), unknown = Tally(), legacy = Tally()
        var hashes = Tally()
        var keys = Tally()
        try db.forEachRow("""
            SELECT id, hashed_email, hashed_password, encryption_key, conversation_memory IS NOT NULL AS has_memory
            FROM users ORDER BY id
            """) { row in
            guard case .integer(let id) = row[0] else { return }
            let format = if case .text(let text) = row[1] { EmailFormat.of(text) } else { EmailFormat.unknown }
            switch format {
            case .plain: plain.add("plain", id)
            case .unknown: unknown.add("unknown", id)
            case .bcrypt: legacy.add("salted bcrypt hashes, which every lookup tries one by one", id)
            case .sha256: legacy.add("unsalted SHA-256 digests", id)
            case .keyed, .none: break
            }
            if case .text(let hash) = row[2] {
                if !Bcrypt.isSupportedHash(hash) { hashes.add(Bcrypt.describeUnsupported(hash), id) }
            } else {
                hashes.add("not text", id)
            }
            switch row[3] {
            case .null:
                if row[4] == .integer(1) { keys.add("memory without a key", id) }
            case .text(let key):
                if (try? FernetKey(encoded: key)) == nil { keys.add("not a Fernet key", id) }
            default:
                keys.add("not a Fernet key", id)
            }
        }
        return [
            plain.finding(.plainEmails, column: "hashed_email", remedy: .rehashEmails) {
                "\($0) user(s) have their email address stored as typed (what the app's registration writes): readable by anyone who reads the database"
            },
            unknown.finding(.unknownEmailFormat, column: "hashed_email", remedy: .rehashEmails) {
                "\($0) user(s) have a hashed_email in no form the app or socializer writes: no address finds them"
            },
            legacy.finding(.legacyEmailFormat, column: "hashed_email", remedy: .rehashEmails) {
                "\($0) user(s) have their email in a form older app versions or its test scripts wrote (\(legacy.breakdown))"
            },
            hashes.finding(.unverifiablePasswordHashes, column: "hashed_password", remedy: .setPasswords) {
                "\($0) user(s) have a password hash socializer cannot verify (\(hashes.breakdown)): they cannot log in"
            },
            keys.finding(.invalidEncryptionKeys, column: "encryption_key", remedy: .clearMemoryAndRotateKey) {
                "\($0) user(s) have no usable encryption key (\(keys.breakdown)): their memory cannot be read or written"
            },
        ].compactMap { $0 }
    }

    /// `--deep`: decrypts every memory with its user's key (users whose key
    /// is unusable are reported by `userFindings` and skipped here).
    func memoryFindings() throws -> [DoctorFinding] {
        var undecryptable = Tally()
        var notDocument = Tally()
        let now = options.now.secondsSinceEpoch
        try db.forEachRow("""
            SELECT id, encryption_key, conversation_memory FROM users WHERE conversation_memory IS NOT NULL ORDER BY id
            """) { row in
            guard case .integer(let id) = row[0], case .text(let keyText) = row[1],
                  let key = try? FernetKey(encoded: keyText) else { return }
            guard case .text(let token) = row[2], let plain = try? Fernet.decrypt(token, key: key, now: now) else {
                undecryptable.add("undecryptable", id)
                return
            }
            if let problem = ConversationMemory.problem(with: plain) { notDocument.add(problem, id) }
        }
        return [
            undecryptable.finding(.undecryptableMemory, column: "conversation_memory", remedy: .clearMemory) {
                "\($0) user(s) have a memory that does not decrypt with their key"
            },
            notDocument.finding(.memoryNotAppDocument, column: "conversation_memory", remedy: .clearMemory) {
                "\($0) user(s) have a memory that is not the app's document (\(notDocument.breakdown)): the app discards it"
            },
        ].compactMap { $0 }
    }
}
