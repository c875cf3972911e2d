import SocializerCore
import SocializerSecurity

/// A `users` record of an import file or a fixture (SPEC §7), decoded and
/// checked: the row to write and what must happen at load time (hashing a
/// password, storing an email as the configured scheme says, encrypting
/// memory with the user's key once the user's id is known).
public struct UserRecord {
    public var location: String
    public var user: User
    public var password: [UInt8]?
    public var email: String?
    /// The app's memory document, completed when the user's id is known.
    public var memory: JSONValue?
    public var messagesGiven: Bool
    /// `"encryption_key": null` given on purpose (a dump of a user without a
    /// key): none is generated, so the row comes back as it was.
    public var keyGivenAsNull = false

    /// How a field of the record schema is used.
    public enum FieldUse: Sendable { case both, secret, importOnly }

    /// One field of the users record schema: its name and, for the fields
    /// that exports and dumps write, the value it takes from the row.
    public struct Field: Sendable {
        public let name: String
        public let use: FieldUse
        public let value: (@Sendable (User) -> JSONValue)?

        static func both(_ name: String, _ value: @escaping @Sendable (User) -> JSONValue) -> Field {
            Field(name: name, use: .both, value: value)
        }
        static func secret(_ name: String, _ value: @escaping @Sendable (User) -> JSONValue) -> Field {
            Field(name: name, use: .secret, value: value)
        }
        static func importOnly(_ name: String) -> Field { Field(name: name, use: .importOnly, value: nil) }
    }

    /// The users record schema, declared once: imports and fixtures accept
    /// every field here (`decode` reads each by this name), exports and
    /// dumps write the `both` fields, and the `secret` ones when secrets are
    /// asked for. Tests check that what is written reads back unchanged.
    public static let schema: [Field] = [
        .both("username") { .string($0.username) },
        .both("role") { .string($0.role) },
        .both("is_active") { .bool($0.isActive) },
        .both("temperature") { .number($0.temperature) },
        .both("preferences") { jsonColumn($0.preferences) },
        .both("member_since") { .string($0.memberSince) },
        .both("messages") { $0.messages.jsonValue },
        .both("hashed_name") { .string($0.hashedName) },
        .both("hashed_email") { $0.hasEmail ? .string($0.hashedEmail) : .null },
        .both("llm_provider") { optional($0.llmProvider) },
        .both("llm_endpoint") { optional($0.llmEndpoint) },
        .both("llm_model") { optional($0.llmModel) },
        .secret("password_hash") { .string($0.hashedPassword) },
        .secret("encryption_key") { optional($0.encryptionKey) },
        .secret("conversation_memory") { optional($0.conversationMemory) },
        .importOnly("email"),
        .importOnly("password"),
        .importOnly("memory"),
    ]

    /// Every field a record may give.
    public static let fields = schema.map(\.name)

    /// The fields written out, with or without the secrets.
    public static func exported(secrets: Bool) -> [Field] {
        schema.filter { $0.use == .both || (secrets && $0.use == .secret) }
    }

    static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }

    /// A JSON column as a value: the document itself, or its text when it
    /// does not parse (the app wrote something else). The app's usual empty
    /// object needs no parser.
    public static func jsonColumn(_ text: String) -> JSONValue {
        if text == "{}" { return .object([]) }
        return (try? JSONParser.parse(text)) ?? .string(text)
    }

    /// What a stored password hash may be: a bcrypt hash socializer verifies,
    /// or the unsalted SHA-256 digest the app's test scripts stored (SPEC §2:
    /// kept as it is, though nothing can verify it).
    public static func isStorablePasswordHash(_ hash: String) -> Bool {
        Bcrypt.isSupportedHash(hash) || (hash.utf8.count == 64 && hash.utf8.allSatisfy(Hex.isDigit))
    }

    /// Decodes and checks one record; every problem is returned, with its location.
    public static func decode(_ record: InputRecord, now: Timestamp) -> (UserRecord?, [String]) {
        var d = RecordDecoder(record)
        let rawName = d.string("username", required: true)
        var username = ""
        if let rawName {
            do { username = try NameRules.validate(rawName, what: "username") } catch let error as SocializerError {
                d.fail(error.message)
            } catch {}
        }
        let role = d.string("role") ?? "user"
        if !User.roles.contains(role) { d.fail("role '\(Echo.cut(role))' is not one of admin, user") }
        let temperature = d.number("temperature") ?? 0.7
        if !DomainRange.temperature.contains(temperature) { d.fail("temperature \(temperature) is outside 0.0 to 2.0") }
        var messages = StoredMessages.count(0)
        if let given = d.json("messages") {
            do { messages = try StoredMessages.from(json: given) } catch let error as SocializerError { d.fail(error.message) } catch {}
        }
        let preferences = d.json("preferences") ?? .object([])
        if preferences.objectMembers == nil { d.fail("field 'preferences' must be a JSON object") }
        var password: [UInt8]?
        if let text = d.string("password") {
            do { password = try PasswordInput.requireValidNew(Array(text.utf8)) } catch let error as SocializerError {
                d.fail(error.message)
            } catch {}
        }
        let passwordHash = d.string("password_hash")
        if password != nil && passwordHash != nil { d.fail("give password or password_hash, not both") }
        if password == nil && passwordHash == nil && !d.has("password") { d.fail("missing field 'password' (or 'password_hash')") }
        if let passwordHash, !isStorablePasswordHash(passwordHash) {
            d.fail("password_hash is not a bcrypt $2a$/$2b$/$2y$ hash (nor the app's SHA-256 digest)")
        }
        let email = d.string("email")
        if let email {
            do { try EmailHasher.validate(email) } catch let error as SocializerError { d.fail(error.message) } catch {}
        }
        let hashedEmail = d.string("hashed_email")
        if email != nil && hashedEmail != nil { d.fail("give email or hashed_email, not both") }
        var memory = d.json("memory")
        if case .string(let text)? = memory {
            memory = try? JSONParser.parse(text)
            if memory == nil { d.fail("field 'memory' holds text that is not JSON (the app's memory document)") }
        }
        if let document = memory {
            do { _ = try ConversationMemory.complete(document, userID: 0, now: now) } catch let error as SocializerError {
                d.fail(error.message)
            } catch {}
        }
        let ciphertext = d.string("conversation_memory")
        let key = d.string("encryption_key")
        if memory != nil && ciphertext != nil { d.fail("give memory or conversation_memory, not both") }
        if ciphertext != nil && key == nil { d.fail("conversation_memory needs the encryption_key it was made with") }
        let fernetKey = key.flatMap { try? FernetKey(encoded: $0) }
        if key != nil && fernetKey == nil { d.fail("encryption_key is not a valid Fernet key") }
        if let ciphertext, let fernetKey, (try? Fernet.decrypt(ciphertext, key: fernetKey, now: now.secondsSinceEpoch)) == nil {
            d.fail("conversation_memory does not decrypt with the record's encryption_key")
        }
        let memberSince = d.date("member_since")
        let user = User(username: username, role: role, isActive: d.bool("is_active") ?? true, temperature: temperature,
                        preferences: preferences.compactText, hashedName: d.string("hashed_name") ?? "",
                        hashedPassword: passwordHash ?? "", hashedEmail: hashedEmail ?? "", memberSince: memberSince ?? "",
                        messages: messages, encryptionKey: key, conversationMemory: ciphertext,
                        llmProvider: d.string("llm_provider"), llmEndpoint: d.string("llm_endpoint"), llmModel: d.string("llm_model"))
        d.finish(allowed: fields)
        guard d.errors.isEmpty else { return (nil, d.errors) }
        var decoded = UserRecord(location: record.location, user: user, password: password, email: email, memory: memory,
                                 messagesGiven: d.has("messages"))
        decoded.keyGivenAsNull = memory == nil && record.fields.contains { $0.0 == "encryption_key" && $0.1 == .null }
        return (decoded, [])
    }

    /// The address a record stores: its `email`, or a `hashed_email` that is
    /// an address as typed (the app's registration form).
    public var address: String? {
        email ?? (EmailFormat.of(user.hashedEmail) == .plain ? user.hashedEmail : nil)
    }

    /// What makes two records' emails the same within a file.
    public var emailIdentity: String? {
        if let address { return "address:" + EmailHasher.normalize(address) }
        return user.hashedEmail.isEmpty ? nil : "stored:" + user.hashedEmail
    }
}
