import SocializerCore

/// A record's value for one field, checked and in the form it is stored:
/// what the loader binds. Times stay `Timestamp`s until bound, so a load
/// makes no text per time.
enum FixtureSlot {
    case value(DatabaseValue)
    case datetime(Timestamp)
    case date(Timestamp)
    /// A reference or own key, by name (resolved by the loader).
    case name(String)
    /// Text held in the line being loaded (the fast path), bound from there.
    case bytes(Range<Int>)

    static let null = FixtureSlot.value(.null)
    static let emptyObject = FixtureSlot.value(.text("{}"))
}

/// Turns a record's JSON value into the stored value of one field, or says
/// what is wrong with it in the words of SPEC §2's domains. References and
/// keys only have their form checked here; the loader resolves them.
enum FixtureValueCodec {
    static func decode(_ value: JSONValue, _ field: FixtureField, fromCSV: Bool) -> Result<FixtureSlot, FixtureProblem> {
        if value == .null {
            if case .json = field.kind, !field.nullable { return .success(.value(.text("null"))) }
            guard field.nullable else {
                return .failure(.init("field '\(field.name)' cannot be null"))
            }
            return .success(.null)
        }
        switch field.kind {
        case .text(let what, let maxLength):
            guard case .string(let text) = value else { return .failure(typeError(field, "a string", value)) }
            if let what {
                do { _ = try NameRules.validate(text, what: what) } catch let error as SocializerError {
                    return .failure(.init(error.message))
                } catch {}
            }
            if let maxLength, text.count > maxLength {
                return .failure(.init("the \(what ?? field.name) is \(text.count) characters long; at most \(maxLength) are allowed"))
            }
            return .success(.value(.text(text)))
        case .integer(let range):
            guard let number = RecordDecoder.integer(value, fromCSV: fromCSV) else {
                return .failure(.init("field '\(field.name)' must be a whole number"
                                      + (range.map { " from \($0.lowerBound) to \($0.upperBound)" } ?? "")))
            }
            if let range, !range.contains(number) {
                return .failure(.init("\(field.name) \(number) is outside \(range.lowerBound) to \(range.upperBound)"))
            }
            return .success(.value(.integer(number)))
        case .real(let range):
            guard let number = RecordDecoder.number(value, fromCSV: fromCSV), number.isFinite else {
                return .failure(.init("field '\(field.name)' must be a number"))
            }
            if let range, !range.contains(number) {
                return .failure(.init("\(field.name) \(JSONValue.format(number)) is outside "
                                      + "\(JSONValue.format(range.lowerBound)) to \(JSONValue.format(range.upperBound))"))
            }
            return .success(.value(.real(number)))
        case .boolean:
            guard let flag = RecordDecoder.boolean(value, fromCSV: fromCSV) else {
                return .failure(.init("field '\(field.name)' must be true or false"))
            }
            return .success(.value(.integer(flag ? 1 : 0)))
        case .date:
            guard case .string(let text) = value, let day = Timestamp.parse(text) else {
                return .failure(.init("field '\(field.name)' must be a date (YYYY-MM-DD)"))
            }
            return .success(.date(day))
        case .datetime:
            guard case .string(let text) = value, let time = Timestamp.parse(text) else {
                return .failure(.init("field '\(field.name)' must be a date and time in ISO 8601 (2026-01-31T12:00:00Z)"))
            }
            return .success(.datetime(time))
        case .json:
            var document = value
            if fromCSV, case .string(let text) = value {
                do { document = try JSONParser.parse(text) } catch {
                    return .failure(.init("field '\(field.name)' is not valid JSON (\(error.reason))"))
                }
            }
            if case .object(let members) = document, members.isEmpty { return .success(.emptyObject) }
            return .success(.value(.text(document.compactText)))
        case .oneOf(let values):
            guard case .string(let text) = value else { return .failure(typeError(field, "a string", value)) }
            guard values.contains(text) else {
                return .failure(.init("\(field.name) '\(Echo.cut(text))' is not one of \(values.joined(separator: ", "))"))
            }
            return .success(.value(.text(text)))
        case .reference(let space), .key(let space):
            guard case .string(let text) = value else {
                return .failure(typeError(field, space == .user ? "a username" : space == .skill ? "a skill name" : "a \(space.rawValue)'s key",
                                          value))
            }
            guard !text.isEmpty else { return .failure(.init("field '\(field.name)' is empty")) }
            return .success(.name(text))
        }
    }

    static func typeError(_ field: FixtureField, _ expected: String, _ value: JSONValue) -> FixtureProblem {
        .init("field '\(field.name)' must be \(expected), not \(value.typeWithArticle)")
    }

    /// The value of a field a record leaves out.
    static func defaultSlot(_ field: FixtureField, now: Timestamp) -> FixtureSlot? {
        switch field.defaultValue {
        case .required: return nil
        case .null: return .null
        case .value(let value): return .value(value)
        case .now: return .datetime(now)
        case .today: return .date(now)
        }
    }
}

/// Why one field of a record is refused.
struct FixtureProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
