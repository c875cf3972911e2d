import SocializerCore

/// `--sort FIELD` or `--sort -FIELD`: one of a whitelisted field set (the
/// repository's enum, so no text reaches SQL), descending with a leading -.
enum SortOrder {
    static func parse<Field>(_ text: String, _ fields: Field.Type, option: String) throws -> (Field, descending: Bool)
    where Field: RawRepresentable & CaseIterable, Field.RawValue == String {
        let descending = text.hasPrefix("-")
        guard let field = Field(rawValue: descending ? String(text.dropFirst()) : text) else {
            throw SocializerError.usage("invalid value '\(Echo.cut(text))' for --\(option)",
                hint: "expected one of " + Field.allCases.map(\.rawValue).joined(separator: ", ")
                    + ", optionally with a leading - (--\(option) -\(Field.allCases.first!.rawValue))")
        }
        return (field, descending)
    }
}
