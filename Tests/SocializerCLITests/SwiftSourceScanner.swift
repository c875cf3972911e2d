import Foundation

/// Reads this repository's Swift sources (found from `#filePath`, never
/// outside the repository) the way the compiler sees their string literals,
/// for tests that check what the sources say.
enum SwiftSource {
    struct Literal {
        /// The literal's text, escapes decoded, each interpolation as `…`.
        var text: String
        /// Byte offset of the opening quote in the file.
        var offset: Int
        var line: Int
    }

    struct File {
        var path: String
        var bytes: [UInt8]
        var literals: [Literal]
        /// The source with comments and literal contents blanked (quotes kept):
        /// what is left is code, at the same offsets.
        var code: [UInt8]
    }

    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// Every `.swift` file under `Sources/<target>`, sorted by path.
    static func files(inTarget target: String) throws -> [File] {
        let folder = repositoryRoot.appendingPathComponent("Sources").appendingPathComponent(target)
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var paths: [String] = []
        while let relative = walker.nextObject() as? String {
            if relative.hasSuffix(".swift") { paths.append(folder.path + "/" + relative) }
        }
        return try paths.sorted().map { path in
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            var scanner = Scanner(bytes)
            scanner.scanCode(until: nil)
            return File(path: String(path.dropFirst(repositoryRoot.path.count + 1)), bytes: bytes,
                        literals: scanner.literals.sorted { $0.offset < $1.offset }, code: scanner.code)
        }
    }

    /// A small lexer: comments, string literals (single-line, multi-line, raw)
    /// and interpolations, which may hold literals of their own.
    struct Scanner {
        let bytes: [UInt8]
        var i = 0
        var literals: [Literal] = []
        var code: [UInt8]

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            self.code = bytes
        }

        func at(_ k: Int) -> UInt8? { k < bytes.count ? bytes[k] : nil }
        func starts(_ text: String, _ k: Int) -> Bool {
            let t = Array(text.utf8)
            return k + t.count <= bytes.count && Array(bytes[k..<k + t.count]) == t
        }
        mutating func blank(_ k: Int) { if bytes[k] != 0x0A { code[k] = 0x20 } }
        func line(of offset: Int) -> Int { bytes[..<offset].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) } }

        /// Code until `close` (a `)` closing an interpolation) at depth 0.
        mutating func scanCode(until close: UInt8?) {
            var depth = 0
            while i < bytes.count {
                let c = bytes[i]
                if starts("//", i) {
                    while i < bytes.count && bytes[i] != 0x0A { blank(i); i += 1 }
                } else if starts("/*", i) {
                    var nesting = 0
                    repeat {
                        if starts("/*", i) { nesting += 1; blank(i); blank(i + 1); i += 2 }
                        else if starts("*/", i) { nesting -= 1; blank(i); blank(i + 1); i += 2 }
                        else { blank(i); i += 1 }
                    } while nesting > 0 && i < bytes.count
                } else if c == UInt8(ascii: "#") || c == UInt8(ascii: "\"") {
                    var hashes = 0
                    var k = i
                    while at(k) == UInt8(ascii: "#") { hashes += 1; k += 1 }
                    if at(k) == UInt8(ascii: "\"") { scanLiteral(hashes: hashes) } else { i += 1 }
                } else if c == UInt8(ascii: "(") {
                    depth += 1; i += 1
                } else if c == UInt8(ascii: ")") {
                    if depth == 0, close != nil { return }
                    depth -= 1; i += 1
                } else {
                    i += 1
                }
            }
        }

        /// A literal starting at `i` (its `#`s, then `"` or `"""`).
        mutating func scanLiteral(hashes: Int) {
            let start = i
            i += hashes
            let multiline = starts("\"\"\"", i)
            i += multiline ? 3 : 1
            let terminator = Array((multiline ? "\"\"\"" : "\"").utf8) + Array(repeating: UInt8(ascii: "#"), count: hashes)
            let escape = [UInt8(ascii: "\\")] + Array(repeating: UInt8(ascii: "#"), count: hashes)
            var text: [UInt8] = []
            while i < bytes.count {
                if i + terminator.count <= bytes.count && Array(bytes[i..<i + terminator.count]) == terminator {
                    i += terminator.count
                    break
                }
                if i + escape.count <= bytes.count && Array(bytes[i..<i + escape.count]) == escape {
                    for k in i..<i + escape.count { blank(k) }
                    i += escape.count
                    guard let e = at(i) else { break }
                    blank(i)
                    switch e {
                    case UInt8(ascii: "("):
                        i += 1
                        scanCode(until: UInt8(ascii: ")"))
                        i += 1
                        text += Array("…".utf8)
                        continue
                    case UInt8(ascii: "n"): text.append(0x0A)
                    case UInt8(ascii: "t"): text.append(0x09)
                    case UInt8(ascii: "0"): text.append(0)
                    case 0x0A: break // a multi-line literal's line continuation
                    case UInt8(ascii: "u"):
                        text += Array("\\u".utf8)
                    default: text.append(e)
                    }
                    i += 1
                    continue
                }
                text.append(bytes[i])
                blank(i)
                i += 1
            }
            literals.append(Literal(text: String(decoding: text, as: UTF8.self), offset: start, line: line(of: start)))
        }
    }
}

extension SwiftSource.File {
    /// The literals of every hint a CLI source gives: the expression after
    /// `hint:` (an argument) or `hint =` / `.hint =` (an assignment), up to
    /// the `,` or `)` that ends the argument or the end of the statement.
    var hintLiterals: [SwiftSource.Literal] {
        let codeText = String(decoding: code, as: UTF8.self)
        guard let pattern = try? NSRegularExpression(pattern: #"\bhint\s*(:|=(?!=))"#) else { return [] }
        let utf16 = Array(codeText.utf16)
        var found: [SwiftSource.Literal] = []
        for match in pattern.matches(in: codeText, range: NSRange(location: 0, length: utf16.count)) {
            // Offsets: the code is ASCII-compatible at the same byte offsets
            // only where the file is ASCII; convert through the prefix.
            let prefix = String(decoding: utf16[..<(match.range.location + match.range.length)], as: UTF16.self)
            var k = prefix.utf8.count
            var depth = 0
            let start = k
            func nextNonSpace(from index: Int) -> UInt8? {
                var j = index
                while j < code.count, code[j] == 0x20 || code[j] == 0x0A || code[j] == 0x09 { j += 1 }
                return j < code.count ? code[j] : nil
            }
            func previousNonSpace(before index: Int) -> UInt8? {
                var j = index - 1
                while j >= start, code[j] == 0x20 || code[j] == 0x09 { j -= 1 }
                return j >= start ? code[j] : nil
            }
            scan: while k < code.count {
                switch code[k] {
                case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
                    if depth == 0 { break scan }
                    depth -= 1
                case UInt8(ascii: ","):
                    if depth == 0 { break scan }
                case 0x0A:
                    if depth == 0 {
                        let continues = "?:+.".utf8.contains(nextNonSpace(from: k + 1) ?? 0)
                            || "=?:+(,".utf8.contains(previousNonSpace(before: k) ?? 0)
                        if !continues { break scan }
                    }
                default: break
                }
                k += 1
            }
            found += literals.filter { $0.offset >= start && $0.offset < k }
        }
        return found
    }
}
