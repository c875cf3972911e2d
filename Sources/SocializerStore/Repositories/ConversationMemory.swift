import SocializerCore

/// The document the app keeps, Fernet-encrypted, in
/// `users.conversation_memory` (SPEC §2): an object with three arrays and a
/// metadata object. The app discards and overwrites anything else, so the
/// tool writes only this shape.
public enum ConversationMemory {
    public static let arrayMembers = ["messages", "general_chat", "ai_conversation"]
    public static let members = arrayMembers + ["metadata"]

    /// The app's metadata for a new document: when, whose, which version.
    public static func metadata(userID: Int64, now: Timestamp) -> JSONValue {
        let time = JSONValue.string(pythonISOFormat(now))
        return .object([("created_at", time), ("last_updated", time), ("user_id", .integer(userID)),
                        ("version", .string("1.0"))])
    }

    /// The app's empty document, what `memory clear` writes.
    public static func empty(userID: Int64, now: Timestamp) -> JSONValue {
        .object(arrayMembers.map { ($0, JSONValue.array([])) } + [("metadata", metadata(userID: userID, now: now))])
    }

    /// Checks a document and adds the members it lacks with the app's empty
    /// values; returns the names it added. Any other shape is refused with
    /// what is wrong.
    public static func complete(_ value: JSONValue, userID: Int64, now: Timestamp) throws -> (document: JSONValue, added: [String]) {
        guard var fields = value.objectMembers else {
            throw SocializerError.invalid("the memory must be a JSON object (the app's document), not \(value.typeWithArticle)",
                hint: "the app keeps {\"messages\": [], \"general_chat\": [], \"ai_conversation\": [], \"metadata\": {…}}")
        }
        if let problem = shapeProblem(value, requireAll: false) { throw SocializerError.invalid(problem) }
        var added: [String] = []
        for name in members where !fields.contains(where: { $0.0 == name }) {
            fields.append((name, name == "metadata" ? metadata(userID: userID, now: now) : .array([])))
            added.append(name)
        }
        return (.object(fields), added)
    }

    /// Why decrypted memory is not the app's document; nil when it is.
    public static func problem(with plaintext: [UInt8]) -> String? {
        guard let text = String(validating: plaintext, as: UTF8.self) else { return "it is not UTF-8 text" }
        guard let value = try? JSONParser.parse(text) else { return "it is not JSON" }
        guard value.objectMembers != nil else { return "it is JSON but \(value.typeWithArticle), not an object" }
        return shapeProblem(value, requireAll: true)
    }

    private static func shapeProblem(_ value: JSONValue, requireAll: Bool) -> String? {
        for name in members {
            guard let member = value[name] else {
                if requireAll { return "member \"\(name)\" is missing" }
                continue
            }
            let expected = name == "metadata" ? "object" : "array"
            if member.typeName != expected {
                return "member \"\(name)\" must be a JSON \(expected), not \(member.typeWithArticle)"
            }
        }
        return nil
    }

    /// `datetime.isoformat()` of a naive UTC time, as the app writes it.
    static func pythonISOFormat(_ time: Timestamp) -> String {
        time.databaseText.replacingAll(" ", with: "T")
    }
}
