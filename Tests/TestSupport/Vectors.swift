import Foundation
import SocializerCore

/// The public test vectors copied into Tests/Fixtures/vectors (see its
/// README for their sources), read with the project's own JSON parser.
public enum Vectors {
    public static func folder() -> String { fixturesFolder() + "/vectors" }

    public static func load(_ relative: String) throws -> JSONValue {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder() + "/" + relative))
        return try JSONParser.parse([UInt8](data))
    }

    public static func array(_ relative: String, key: String? = nil) throws -> [JSONValue] {
        var value = try load(relative)
        if let key { value = value[key] ?? .null }
        guard case .array(let items) = value else { return [] }
        return items
    }
}

/// Tests/Fixtures, found from this source file's location (works in any clone).
public func fixturesFolder() -> String {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<2 { url.deleteLastPathComponent() }
    return url.path + "/Fixtures"
}

extension JSONValue {
    public var int64: Int64? {
        switch self {
        case .integer(let i): return i
        case .number(let d): return Int64(d)
        default: return nil
        }
    }
    public var arrayItems: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }
}
