import SocializerCore
import SocializerSecurity

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
    /// A count or the app's JSON list of recent messages (SPEC §2).
    public var messages: StoredMessages
    public var encryptionKey: String?
    public var conversationMemory: String?
    public var llmProvider: String?
    public var llmEndpoint: String?
    public var llmModel: String?

    public static let roles = ["admin", "user"]
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
        messages = StoredMessages(try row.value("messages"))
        encryptionKey = try row.optionalString("encryption_key")
        conversationMemory = try row.optionalString("conversation_memory")
        llmProvider = try row.optionalString("llm_provider")
        llmEndpoint = try row.optionalString("llm_endpoint")
        llmModel = try row.optionalString("llm_model")
    }

    public init(id: Int64 = 0, username: String, role: String = "user", isActive: Bool = true, temperature: Double = 0.7,
                preferences: String = "{}", hashedName: String = "", hashedPassword: String, hashedEmail: String,
                memberSince: String, messages: StoredMessages = .count(0), encryptionKey: String?, conversationMemory: String? = nil,
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

    public var emailFormat: EmailFormat { EmailFormat.of(hashedEmail) }
    public var hasEmail: Bool { emailFormat != .none }

    /// Every column but id, with the value this user holds: what insert
    /// writes, and what update compares to write only what changed.
    var columnValues: [(column: String, value: DatabaseValue)] {
        [("username", username.databaseValue), ("role", role.databaseValue), ("is_active", isActive.databaseValue),
         ("temperature", temperature.databaseValue), ("preferences", preferences.databaseValue),
         ("hashed_name", hashedName.databaseValue), ("hashed_password", hashedPassword.databaseValue),
         ("hashed_email", hashedEmail.databaseValue), ("member_since", memberSince.databaseValue),
         ("messages", messages.value), ("encryption_key", encryptionKey.databaseValue),
         ("conversation_memory", conversationMemory.databaseValue), ("llm_provider", llmProvider.databaseValue),
         ("llm_endpoint", llmEndpoint.databaseValue), ("llm_model", llmModel.databaseValue)]
    }

    /// The domain rules every write enforces (SPEC §2: the tool, not CHECK
    /// constraints, keeps values in their domains).
    public static func validate(role: String) throws {
        guard roles.contains(role) else {
            throw SocializerError.invalid("role '\(role)' is not one of admin, user")
        }
    }

    public static func validate(temperature: Double) throws {
        guard temperature.isFinite, DomainRange.temperature.contains(temperature) else {
            throw SocializerError.invalid("temperature \(temperature) is outside 0.0 to 2.0")
        }
    }
}

/// Filters and order of `users list`.
public struct UserQuery: Sendable {
    public enum SortField: String, CaseIterable, Sendable {
        case id, username, role, temperature, messages
        case memberSince = "member_since"

        /// What ORDER BY sorts on: text byte by byte on both engines;
        /// `messages` by its count, whether the column holds a number or the
        /// app's JSON list (SQLite; on PostgreSQL the app's INTEGER column
        /// can only hold a number).
        func sqlExpression(_ dialect: SQLDialect) -> String {
            switch self {
            case .username, .role: return dialect.bytewise(rawValue)
            case .messages where !dialect.isPostgres: break
            default: return rawValue
            }
            return "CASE WHEN typeof(messages) IN ('integer', 'real') THEN messages "
                + "WHEN json_valid(messages) THEN (CASE json_type(messages) WHEN 'array' THEN json_array_length(messages) ELSE -1 END) "
                + "ELSE -1 END"
        }
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
