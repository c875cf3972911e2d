import SocializerCore

/// One row of `users`, as the app stores it.
public struct User: Sendable, Equatable {
    public var id: Int64
    public var username: String
    public var role: String
    public var isActive: Bool
    public var temperature: Double
    public var preferences: String
    public var hashedName: String
    public var hashedPassword: String
    public var hashedEmail: String
    public var memberSince: String
    public var messages: Int64
    public var encryptionKey: String?
    public var conversationMemory: String?
    public var llmProvider: String?
    public var llmEndpoint: String?
    public var llmModel: String?

    public static let roles = ["admin", "user"]
    public static let temperatureRange = 0.0...2.0
    /// `hashed_email` is NOT NULL UNIQUE: users without an address get a
    /// unique value that says so.
    public static let noEmailPrefix = "no-email:"

    static let columns = "id, username, role, is_active, temperature, preferences, hashed_name, hashed_password, "
        + "hashed_email, member_since, messages, encryption_key, conversation_memory, llm_provider, llm_endpoint, llm_model"

    init(row: Row) throws {
        id = try row.int("id")
        username = try row.string("username")
        role = try row.string("role")
        isActive = try row.bool("is_active")
        temperature = try row.double("temperature")
        preferences = try row.string("preferences")
        hashedName = try row.optionalString("hashed_name") ?? ""
        hashedPassword = try row.string("hashed_password")
        hashedEmail = try row.string("hashed_email")
        memberSince = try row.string("member_since")
        messages = try row.int("messages")
        encryptionKey = try row.optionalString("encryption_key")
        conversationMemory = try row.optionalString("conversation_memory")
        llmProvider = try row.optionalString("llm_provider")
        llmEndpoint = try row.optionalString("llm_endpoint")
        llmModel = try row.optionalString("llm_model")
    }

    public init(id: Int64 = 0, username: String, role: String = "user", isActive: Bool = true, temperature: Double = 0.7,
                preferences: String = "{}", hashedName: String = "", hashedPassword: String, hashedEmail: String,
                memberSince: String, messages: Int64 = 0, encryptionKey: String?, conversationMemory: String? = nil,
                llmProvider: String? = nil, llmEndpoint: String? = nil, llmModel: String? = nil) {
        self.id = id
        self.username = username
        self.role = role
        self.isActive = isActive
        self.temperature = temperature
        self.preferences = preferences
        self.hashedName = hashedName
        self.hashedPassword = hashedPassword
        self.hashedEmail = hashedEmail
        self.memberSince = memberSince
        self.messages = messages
        self.encryptionKey = encryptionKey
        self.conversationMemory = conversationMemory
        self.llmProvider = llmProvider
        self.llmEndpoint = llmEndpoint
        self.llmModel = llmModel
    }

    public var hasEmail: Bool { !hashedEmail.hasPrefix(User.noEmailPrefix) }

    /// The domain rules every write enforces (SPEC §2: the tool, not CHECK
    /// constraints, keeps values in their domains).
    public static func validate(role: String) throws {
        guard roles.contains(role) else {
            throw SocializerError.invalid("role '\(role)' is not one of admin, user")
        }
    }

    public static func validate(temperature: Double) throws {
        guard temperature.isFinite, temperatureRange.contains(temperature) else {
            throw SocializerError.invalid("temperature \(temperature) is outside 0.0 to 2.0")
        }
    }
}

/// Filters and order of `users list`.
public struct UserQuery: Sendable {
    public enum SortField: String, CaseIterable, Sendable {
        case id, username, role, temperature, messages
        case memberSince = "member_since"
    }
    public var role: String?
    public var active: Bool?
    public var search: String?
    public var limit: Int64?
    public var offset: Int64 = 0
    public var sort: SortField = .id
    public var descending = false

    public init() {}
}
