import SocializerCore

/// A converted argument value.
public enum ArgumentValue: Sendable, Equatable {
    case flag
    case string(String)
    case integer(Int64)
    case number(Double)
    case duration(TimeSpan)
    case time(Timestamp)
    case json(JSONValue)
    case list([String])
    case strings([String])
}

/// What the parser made of argv: the command path and typed values by name.
public struct ParsedArguments: Sendable {
    public var path: [String]
    public var values: [String: ArgumentValue]
    /// The names the verb and the globals declare; reading any other key is a
    /// bug (nil: not checked, for arguments built by hand).
    var declared: Set<String>?
    /// The "now" that durations given as times (`--before 30d`) were read
    /// against, so that a verb comparing them with now uses the same
    /// instant (nil for arguments built by hand: the clock's).
    public var now: Timestamp?

    public init(path: [String], values: [String: ArgumentValue], declared: Set<String>? = nil, now: Timestamp? = nil) {
        self.path = path
        self.values = values
        self.declared = declared
        self.now = now
    }

    public func has(_ name: String) -> Bool { values[name] != nil }
    public func flag(_ name: String) -> Bool { values[name] != nil }

    public func string(_ name: String) -> String? {
        if case .string(let s) = values[name] { return s }
        return nil
    }
    public func integer(_ name: String) -> Int64? {
        if case .integer(let v) = values[name] { return v }
        return nil
    }
    public func number(_ name: String) -> Double? {
        switch values[name] {
        case .number(let v): return v
        case .integer(let v): return Double(v)
        default: return nil
        }
    }
    public func duration(_ name: String) -> TimeSpan? {
        if case .duration(let v) = values[name] { return v }
        return nil
    }
    public func time(_ name: String) -> Timestamp? {
        if case .time(let v) = values[name] { return v }
        return nil
    }
    public func json(_ name: String) -> JSONValue? {
        if case .json(let v) = values[name] { return v }
        return nil
    }
    public func list(_ name: String) -> [String]? {
        if case .list(let v) = values[name] { return v }
        return nil
    }
    public func strings(_ name: String) -> [String] {
        switch values[name] {
        case .strings(let v): return v
        case .string(let s): return [s]
        default: return []
        }
    }
}
