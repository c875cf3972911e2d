import SocializerCore

extension DemoFixture {
    /// The demo as a PostgreSQL database holds it: `users.messages` is an
    /// INTEGER there (as the app's models create it), which cannot hold the
    /// message lists the app keeps in it on SQLite (SPEC §2), so the demo's
    /// users who have a list get 0, as on a database the app runs on
    /// PostgreSQL and as `seed --generate` gives there. Everything else is
    /// the demo as it is, on the same lines, so that a message about a
    /// record (`demo.json (built in):14:5: user 'margaret' already exists`)
    /// points where it does on SQLite. Made from `json`, so the two never drift.
    public static let postgresJSON: String = withoutMessageLists(json)

    /// `text` with every user's `"messages": [ … ]` (a key of a user record,
    /// not of its memory, which follows a `{`) given as `0`, the newlines
    /// inside the list kept after it.
    static func withoutMessageLists(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let key = Array(#""messages": ["#.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            guard bytes[i] == key[0], i + key.count <= bytes.count, Array(bytes[i..<i + key.count]) == key,
                  let before = bytes[..<i].last(where: { $0 != UInt8(ascii: " ") }), before != UInt8(ascii: "{") else {
                out.append(bytes[i])
                i += 1
                continue
            }
            // The list's end: brackets counted outside strings.
            var j = i + key.count, depth = 1, inString = false, newlines = 0
            while depth > 0 {
                let byte = bytes[j]
                if byte == UInt8(ascii: "\n") { newlines += 1 }
                if inString {
                    if byte == UInt8(ascii: "\\") { j += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
                } else if byte == UInt8(ascii: "\"") {
                    inString = true
                } else if byte == UInt8(ascii: "[") {
                    depth += 1
                } else if byte == UInt8(ascii: "]") {
                    depth -= 1
                }
                j += 1
            }
            out += Array(#""messages": 0"#.utf8) + Array(repeating: UInt8(ascii: "\n"), count: newlines)
            i = j
        }
        return String(decoding: out, as: UTF8.self)
    }
}
