import SocializerCore

/// How a command names a row of a table with ids and names (users, rooms,
/// skills): `42` or `id:42` is an id, `alice` or `name:42` a name; a bare
/// number is an id.
public enum EntityReference: Sendable, Equatable, CustomStringConvertible {
    case id(Int64)
    case name(String)

    public init(_ text: String, kind: String = "user") throws {
        if text.hasPrefix("id:") {
            guard let id = Int64(text.dropFirst(3)), id > 0 else {
                throw SocializerError.usage("'\(Echo.cut(text))' is not a \(kind) id", hint: "write id:42, or name:NAME for a name")
            }
            self = .id(id)
        } else if text.hasPrefix("name:") {
            self = .name(String(text.dropFirst(5)))
        } else if let id = Int64(text), id > 0, text.allSatisfy(\.isNumber) {
            self = .id(id)
        } else {
            self = .name(text)
        }
    }

    public var description: String {
        switch self {
        case .id(let id): return "with id \(id)"
        case .name(let name): return "'\(Echo.cut(name))'"
        }
    }
}

/// Users are named by username: the same reference.
public typealias UserReference = EntityReference

/// Resolves a reference to the one row it names, for any table: by id, or
/// by name, where a name shared by several rows (room names are not
/// unique) is an error that lists the candidates with their ids.
public struct EntityLookup<Entity> {
    public let kind: String
    let byID: (Int64) throws -> Entity?
    let byName: (String) throws -> [Entity]
    let candidate: (Entity) -> String

    /// - Parameter candidate: how one match is listed ("id 4: lobby, created 2026-01-02").
    public init(kind: String, byID: @escaping (Int64) throws -> Entity?, byName: @escaping (String) throws -> [Entity],
                candidate: @escaping (Entity) -> String) {
        self.kind = kind
        self.byID = byID
        self.byName = byName
        self.candidate = candidate
    }

    public func find(_ reference: EntityReference) throws -> Entity? {
        switch reference {
        case .id(let id): return try byID(id)
        case .name(let name):
            let matches = try byName(name)
            guard matches.count <= 1 else {
                throw SocializerError.invalid("\(matches.count) \(kind)s are named \(reference)",
                    hint: "name one by its id (id:N)", details: matches.map(candidate))
            }
            return matches.first
        }
    }

    public func require(_ reference: EntityReference) throws -> Entity {
        guard let entity = try find(reference) else {
            var hint: String?
            if case .name(let name) = reference, let number = Int64(name), number > 0 { hint = "to look up an id, write id:\(name)" }
            if case .id(let id) = reference { hint = "to look up a \(kind) named \(id), write name:\(id)" }
            throw SocializerError.notFound("\(kind) \(reference) not found", hint: hint)
        }
        return entity
    }
}
