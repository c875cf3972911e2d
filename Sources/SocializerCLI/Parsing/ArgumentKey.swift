import SocializerCore

/// A typed handle on one option of a verb, declared once with its default
/// in its own type (swift-argument-parser's `@Option var limit: Int = 50`,
/// without property wrappers): the spec it carries is what the parser, help,
/// completion and the man pages read, and `arguments[key]` is the typed
/// value, the default applied. Handlers never name an option as a string.
public struct Option<Value: Sendable>: Sendable, OptionDeclaring {
    public var spec: OptionSpec
    let read: @Sendable (ArgumentValue?) -> Value

    public var name: String { spec.name }
    public var optionSpec: OptionSpec { spec }
    /// `--name`, as messages name the option.
    public var spelling: String { "--" + spec.name }

    init(_ spec: OptionSpec, read: @escaping @Sendable (ArgumentValue?) -> Value) {
        self.spec = spec
        self.read = read
    }

    /// The same option under another spec (help text or short name of one verb).
    public func with(_ change: (inout OptionSpec) -> Void) -> Option {
        var copy = self
        change(&copy.spec)
        return copy
    }

    /// The same option, its value kept out of the audit trail (see `OptionSpec.redacted`).
    public func redacted() -> Option { with { $0.redacted = true } }
}

/// A typed handle on one positional argument of a verb.
public struct Positional<Value: Sendable>: Sendable {
    public var spec: PositionalSpec
    let read: @Sendable (ArgumentValue?) -> Value

    public var name: String { spec.name }

    /// The same positional with the help text of one verb.
    public func with(help: String) -> Positional {
        var copy = self
        copy.spec.help = help
        return copy
    }
}

/// What a node's option list holds: typed keys, or plain specs for the
/// options a runner reads itself (the global ones).
public protocol OptionDeclaring: Sendable {
    var optionSpec: OptionSpec { get }
}

extension OptionSpec: OptionDeclaring {
    public var optionSpec: OptionSpec { self }
}

// MARK: Declaring

extension Option where Value == Bool {
    public static func flag(_ name: String, short: Character? = nil, help: String) -> Option {
        Option(OptionSpec(name, short: short, help: help)) { $0 != nil }
    }
}

extension Option where Value == String? {
    public static func string(_ name: String, value: String = "TEXT", maxLength: Int? = nil, help: String) -> Option {
        Option(OptionSpec(name, .string, value: value, help: help).with { $0.maxLength = maxLength }) { $0?.stringValue }
    }

    /// A file path; `-` means standard input where the verb says so.
    public static func path(_ name: String, value: String = "FILE", help: String) -> Option {
        Option(OptionSpec(name, .path, value: value, help: help)) { $0?.stringValue }
    }

    /// One of `choices`, as text (for choices that are not an enum).
    public static func choice(_ name: String, _ choices: [String], help: String) -> Option {
        Option(OptionSpec(name, .choice(choices), help: help)) { $0?.stringValue }
    }
}

extension Option where Value == String {
    public static func string(_ name: String, value: String = "TEXT", required: Bool, help: String) -> Option {
        precondition(required, "an optional text option reads as String?")
        return Option(OptionSpec(name, .string, value: value, required: true, help: help)) { $0?.stringValue ?? "" }
    }
}

extension Option where Value == Int64? {
    public static func integer(_ name: String, _ range: ClosedRange<Int64>, value: String = "N", help: String) -> Option {
        Option(OptionSpec(name, .integer(range), value: value, help: help)) { $0?.integerValue }
    }
}

extension Option where Value == Int64 {
    public static func integer(_ name: String, _ range: ClosedRange<Int64>, value: String = "N", default value0: Int64,
                               defaultNote: String? = nil, help: String) -> Option {
        precondition(range.contains(value0), "the default of --\(name) is outside its range")
        let spec = OptionSpec(name, .integer(range), value: value, default: defaultNote ?? String(value0), help: help)
        return Option(spec) { $0?.integerValue ?? value0 }
    }
}

extension Option where Value == Double? {
    public static func number(_ name: String, _ range: ClosedRange<Double>, value: String = "F", help: String) -> Option {
        Option(OptionSpec(name, .number(range), value: value, help: help)) { $0?.numberValue }
    }
}

extension Option where Value == Double {
    public static func number(_ name: String, _ range: ClosedRange<Double>, value: String = "F", default value0: Double,
                              help: String) -> Option {
        precondition(range.contains(value0), "the default of --\(name) is outside its range")
        let spec = OptionSpec(name, .number(range), value: value, default: JSONValue.format(value0), help: help)
        return Option(spec) { $0?.numberValue ?? value0 }
    }
}

extension Option where Value == TimeSpan? {
    public static func duration(_ name: String, value: String = "DURATION", help: String) -> Option {
        Option(OptionSpec(name, .duration, value: value, help: help)) {
            if case .duration(let span)? = $0 { return span }
            return nil
        }
    }

    /// A duration of whole days (`14d`, `2w`), for comparisons with DATE columns.
    public static func days(_ name: String, value: String = "DURATION", help: String) -> Option {
        Option(OptionSpec(name, .days, value: value, help: help)) {
            if case .duration(let span)? = $0 { return span }
            return nil
        }
    }
}

extension Option where Value == TimeSpan {
    public static func duration(_ name: String, value: String = "DURATION", default value0: TimeSpan, help: String) -> Option {
        let spec = OptionSpec(name, .duration, value: value, default: TimeSpan.describe(value0), help: help)
        return Option(spec) {
            if case .duration(let span)? = $0 { return span }
            return value0
        }
    }
}

extension Option where Value == Timestamp? {
    public static func time(_ name: String, value: String = "TIME", help: String) -> Option {
        Option(OptionSpec(name, .time, value: value, help: help)) {
            if case .time(let instant)? = $0 { return instant }
            return nil
        }
    }
}

extension Option where Value == JSONValue? {
    public static func json(_ name: String, value: String = "JSON", help: String) -> Option {
        Option(OptionSpec(name, .json, value: value, help: help)) {
            if case .json(let json)? = $0 { return json }
            return nil
        }
    }
}

extension Option where Value == [String] {
    /// May be given more than once (`--claim k=v --claim k2=v2`); in order.
    public static func repeatable(_ name: String, value: String, help: String) -> Option {
        Option(OptionSpec(name, .string, value: value, repeatable: true, help: help)) { $0?.stringsValue ?? [] }
    }
}

extension Option where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of an enum's cases, with a default in that enum.
    public static func choice(_ name: String, default value0: Value, help: String) -> Option {
        let spec = OptionSpec(name, .choice(Value.allCases.map(\.rawValue)), default: value0.rawValue, help: help)
        return Option(spec) { $0?.stringValue.flatMap(Value.init(rawValue:)) ?? value0 }
    }
}

extension Option {
    /// One of an enum's cases, or nil when not given.
    public static func choice<E>(_ name: String, of type: E.Type, help: String) -> Option<E?>
    where E: RawRepresentable & CaseIterable & Sendable, E.RawValue == String, Value == E? {
        Option<E?>(OptionSpec(name, .choice(E.allCases.map(\.rawValue)), help: help)) { $0?.stringValue.flatMap(E.init(rawValue:)) }
    }
}

extension Positional where Value == String {
    public static func string(_ name: String, _ type: ValueType = .string, secret: Bool = false, help: String) -> Positional {
        Positional(spec: PositionalSpec(name, type, secret: secret, help: help)) { $0?.stringValue ?? "" }
    }
}

extension Positional where Value == String? {
    public static func optional(_ name: String, _ type: ValueType = .string, secret: Bool = false, help: String) -> Positional {
        Positional(spec: PositionalSpec(name, type, optional: true, secret: secret, help: help)) { $0?.stringValue }
    }
}

extension Positional where Value == Int64 {
    public static func integer(_ name: String, _ range: ClosedRange<Int64>, help: String) -> Positional {
        Positional(spec: PositionalSpec(name, .integer(range), help: help)) { $0?.integerValue ?? 0 }
    }
}

extension Positional where Value == Double {
    public static func number(_ name: String, _ range: ClosedRange<Double>, help: String) -> Positional {
        Positional(spec: PositionalSpec(name, .number(range), help: help)) { $0?.numberValue ?? 0 }
    }
}

extension Positional where Value == JSONValue {
    public static func json(_ name: String, help: String) -> Positional {
        Positional(spec: PositionalSpec(name, .json, help: help)) {
            if case .json(let json)? = $0 { return json }
            return .null
        }
    }
}

extension Positional where Value == [String] {
    public static func variadic(_ name: String, optional: Bool = false, help: String) -> Positional {
        Positional(spec: PositionalSpec(name, optional: optional, variadic: true, help: help)) { $0?.stringsValue ?? [] }
    }
}

// MARK: Reading

extension ArgumentValue {
    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    var integerValue: Int64? {
        if case .integer(let v) = self { return v }
        return nil
    }
    var numberValue: Double? {
        switch self {
        case .number(let v): return v
        case .integer(let v): return Double(v)
        default: return nil
        }
    }
    var stringsValue: [String]? {
        switch self {
        case .strings(let v): return v
        case .list(let v): return v
        case .string(let s): return [s]
        default: return nil
        }
    }
}

extension ParsedArguments {
    /// The typed value of an option the verb declares, its default applied.
    public subscript<Value>(_ key: Option<Value>) -> Value {
        requireDeclared(key.name)
        return key.read(values[key.name])
    }

    /// The typed value of a positional the verb declares.
    public subscript<Value>(_ key: Positional<Value>) -> Value {
        requireDeclared(key.name)
        return key.read(values[key.name])
    }

    /// Whether any of these options was given.
    public func givenAny(_ keys: [any OptionDeclaring]) -> Bool {
        keys.contains { key in
            requireDeclared(key.optionSpec.name)
            return values[key.optionSpec.name] != nil
        }
    }

    /// A handler reading a key its verb does not declare is a bug in the
    /// command table: the value could never be given. It stops here, loudly,
    /// in every build (the table-wide test runs every verb).
    func requireDeclared(_ name: String) {
        guard let declared else { return }
        precondition(declared.contains(name), "'\(path.joined(separator: " "))' reads '\(name)', which it does not declare")
    }
}
