import SocializerCore

/// How a command names a user: `42` or `id:42` (an id), `alice` or
/// `name:42` (a username). A bare number is an id.
public enum UserReference: Sendable, Equatable, CustomStringConvertible {
    case id(Int64)
    case username(String)

    public init(_ text: String) throws {
        if text.hasPrefix("id:") {
            guard let id = Int64(text.dropFirst(3)), id > 0 else {
                throw SocializerError.usage("'\(Echo.cut(text))' is not a user id", hint: "write id:42, or name:NAME for a username")
            }
            self = .id(id)
        } else if text.hasPrefix("name:") {
            self = .username(String(text.dropFirst(5)))
        } else if let id = Int64(text), id > 0, text.allSatisfy(\.isNumber) {
            self = .id(id)
        } else {
            self = .username(text)
        }
    }

    public var description: String {
        switch self {
        case .id(let id): return "with id \(id)"
        case .username(let name): return "'\(Echo.cut(name))'"
        }
    }
}
