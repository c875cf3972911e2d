#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport
@testable import SocializerCLI
@testable import SocializerCore
@testable import SocializerSecurity
@testable import SocializerStore

/// Issue 10's standing fuzzer, in process: the argument parser and every
/// importer get a few thousand seeded, mutated inputs. Each run must not
/// crash, must exit with a documented status (never 70: bad input is never
/// an internal error), and, when it refuses, must leave the database folder
/// byte for byte as it was.
@Suite(.serialized) struct FuzzTests {
    static let seed: UInt64 = 0x50C1_A112_E200_0010
    /// Every status SPEC §4 documents for a refusal or a result; 70 is not among them.
    static let documented: Set<Int32> = [0, 1, 64, 65, 66, 69, 73, 74, 75, 77, 78]

    /// A migrated database with users, memory, a preference, logs and a
    /// revoked token, and a copy of its bytes to go back to after a run
    /// that changed it.
    final class Sandbox {
        let folder = TemporaryDirectory()
        var db: String { folder.file("app.db") }
        let environment = ["SOCIALIZER_EMAIL_KEY": emailKey, "SOCIALIZER_BCRYPT_COST": "4",
                           "SOCIALIZER_JWT_SECRET": jwtSecret]
        var pristine: [String: Data] = [:]
        /// How often each status came back: the generator must reach both
        /// successes and refusals, or it is not testing much.
        var statuses: [Int32: Int] = [:]
        var inputs: Set<String> = []

        init() {
            var ok = runCLI(["--db", db, "migrate", "up"]).status == 0
            for name in ["alice", "bob"] {
                ok = ok && runCLI(["--db", db, "users", "create", name, "--email", "\(name)@example.com", "--password-stdin"],
                                  environment: environment, stdin: "pw-\(name)-123\n").status == 0
                ok = ok && runCLI(["--db", db, "users", "memory", "set", name, "--stdin"], environment: environment,
                                  stdin: "{\"messages\": []}").status == 0
            }
            ok = ok && runCLI(["--db", db, "users", "prefs", "set", "alice", "topics", "likes", "[\"chess\"]"]).status == 0
            ok = ok && runCLI(["--db", db, "logs", "add", "--type", "ValueError", "--message", "boom", "--user", "bob"]).status == 0
            ok = ok && runCLI(["--db", db, "tokens", "revoke", FuzzTests.validToken], environment: environment).status == 0
            precondition(ok, "the fuzz sandbox could not be set up")
            _ = folder.write("users.json", FuzzTests.seedDocuments[0])
            _ = folder.write("users.jsonl", FuzzTests.seedDocuments[1])
            _ = folder.write("users.csv", FuzzTests.seedDocuments[2])
            _ = folder.write("stack.txt", "Traceback (most recent call last):\n  boom\n")
            inputs = Set(folder.listing().filter { !$0.hasPrefix("app.db") })
            pristine = databaseFiles()
        }

        func databaseFiles() -> [String: Data] { folder.snapshot().filter { !inputs.contains($0.key) } }

        /// Puts the database back as it was (after a run that wrote).
        func restore() {
            for name in folder.listing() where !inputs.contains(name) { unlink(folder.file(name)) }
            for (name, data) in pristine { FileManager.default.createFile(atPath: folder.file(name), contents: data) }
        }

        /// One run, checked. `mayWriteOnFailure`: verbs that document partial
        /// progress with a non-zero status (rotate-key --all, purges).
        func check(_ label: String, _ arguments: [String], stdin: [UInt8] = [], raw: [[UInt8]]? = nil,
                   sourceLocation: SourceLocation = #_sourceLocation) {
            let before = databaseFiles()
            let out = TextBuffer(), err = TextBuffer()
            let status: Int32
            if let raw {
                status = CommandLineTool.run(rawArguments: [Array("--db".utf8), Array(db.utf8)] + raw, environment: environment,
                                             stdin: BytesInput(stdin), stdout: out, stderr: err, terminal: TerminalInfo(),
                                             clock: FixedClock(testNow))
            } else {
                status = CommandLineTool.run(arguments: ["--db", db] + arguments, environment: environment, stdin: BytesInput(stdin),
                                             stdout: out, stderr: err, terminal: TerminalInfo(), clock: FixedClock(testNow))
            }
            statuses[status, default: 0] += 1
            #expect(FuzzTests.documented.contains(status), "\(label): exit \(status) for \(arguments): \(err.text)",
                    sourceLocation: sourceLocation)
            let partial = arguments.contains("rotate-key") || arguments.contains("purge")
            if status != 0 && status != 1 && !partial {
                #expect(databaseFiles() == before, "\(label): refused with \(status) but wrote: \(arguments)",
                        sourceLocation: sourceLocation)
            }
            // `-q doctor` answers with its status alone, as `grep -q` does: 65 is "findings", not a failure to explain.
            let quiet = arguments.contains { $0 == "--quiet" || ($0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("q")) }
            let answer = status == 65 && quiet && arguments.contains("doctor") && err.text.isEmpty
            if status != 0 && !answer && !err.text.hasPrefix("socializer: ") && !err.text.hasPrefix("{\"error\"") {
                Issue.record("\(label): exit \(status) without an error message: \(arguments)", sourceLocation: sourceLocation)
            }
            if databaseFiles() != pristine { restore() }
        }
    }

    static let validToken = JWT.encode(claims: .object([("sub", .string("alice")), ("exp", .integer(4_102_444_800))]),
                                       algorithm: .hs256, secret: Array(jwtSecret.utf8))

    static let seedDocuments = [
        """
        [{"username": "carol", "password": "pw-carol-123", "email": "carol@example.com", "role": "admin", "temperature": 0.5,
          "preferences": {"tone": "warm"}, "memory": "{\\"messages\\": []}"},
         {"username": "dave", "password_hash": "$2b$04$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234", "is_active": false,
          "member_since": "2025-01-31", "messages": 3, "llm_provider": "ollama"}]
        """,
        """
        {"username": "carol", "password": "pw-carol-123", "email": "carol@example.com"}
        {"username": "dave", "password": "pw-dave-123", "hashed_name": "d", "temperature": 1.5}
        """,
        "username,password,email,role,is_active,preferences\r\ncarol,pw-carol-123,carol@example.com,admin,true,\"{\"\"a\"\": 1}\"\r\n"
            + "dave,pw-dave-123,,user,0,\r\n",
    ]

    /// Words the parser knows, and some it should not.
    static let junk = ["", " ", "-", "--", "---", "-x", "--=", "--fields=", "--format=xml", "=", ",", ",,", "0", "-1", "1e9",
                       "9223372036854775808", "NaN", "30d", "5x", "2026-13-45", "id:0", "name:", "id:99", "\u{1B}[2J",
                       "\u{202E}evil", "a\u{0}b", "{", "[]", "{\"a\":1,\"a\":2}", "'", "\"", "%", "_", "alice", "bob",
                       String(repeating: "x", count: 300), "héllo", "🙂", "Bearer x.y.z", validToken]

    static func value(for type: ValueType, _ rng: inout SeededGenerator, folder: TemporaryDirectory) -> String {
        if rng.chance(15) { return rng.pick(junk) }
        switch type {
        case .flag: return ""
        case .string: return rng.pick(["alice", "bob", "1", "id:1", "name:bob", "T", "warm", "x"])
        case .integer(let range):
            let low = max(range.lowerBound, -5), high = min(range.upperBound, low + 100)
            return String(Int64.random(in: low...high, using: &rng))
        case .number(let range): return String(Double.random(in: range.lowerBound...min(range.upperBound, 1e6), using: &rng))
        case .choice(let values): return rng.pick(values)
        case .duration: return rng.pick(["30s", "15m", "24h", "30d", "2w"])
        case .days: return rng.pick(["1d", "14d", "24h", "30d", "2w"])
        case .time: return rng.pick(["2026-01-31", "2026-01-31T12:00:00Z", "30d", "2100-01-01"])
        case .json: return rng.pick(["\"warm\"", "{\"a\": [1, 2]}", "0.5", "null", "[\"chess\"]"])
        case .path: return folder.file(rng.pick(["users.json", "users.jsonl", "users.csv", "stack.txt", "missing.json"]))
        case .list: return rng.pick(["id", "username,role", "id,bogus", "table,rows"])
        }
    }

    /// A command line for `node`: its positionals and some options, then mutated.
    static func commandLine(_ path: [String], _ node: CommandNode, _ rng: inout SeededGenerator,
                            folder: TemporaryDirectory) -> [String] {
        var words = path
        for spec in node.positionals where !spec.optional || rng.chance(50) {
            words.append(value(for: spec.type, &rng, folder: folder))
        }
        let options = (node.options + CommandTable.globals).filter { $0.name != "db" }
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            let option = rng.pick(options)
            if option.name == "yes" && rng.chance(70) { continue }
            words.append(rng.chance(90) ? "--" + option.name : option.short.map { "-\($0)" } ?? "--" + option.name)
            if !option.isFlag && rng.chance(95) {
                let value = value(for: option.type, &rng, folder: folder)
                // A valid bcrypt cost above 5 makes one hash take from 40 ms to minutes (cost 31):
                // the fuzz is about parsing, so a high one is cut to the lowest (the draw is kept, so
                // the seeded sequence stays the same).
                let slow = option.name == SecretOptions.bcryptCost.name && (Int(value).map { $0 > 5 } ?? false)
                words.append(slow ? "4" : value)
            }
        }
        // Mutations: drop, duplicate, swap, insert junk.
        for _ in 0..<Int.random(in: 0...3, using: &rng) where !words.isEmpty {
            let i = Int.random(in: 0..<words.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: words.remove(at: i)
            case 1: words.insert(words[i], at: i)
            case 2: words.swapAt(i, Int.random(in: 0..<words.count, using: &rng))
            default: words.insert(rng.pick(junk), at: i)
            }
        }
        return words
    }

    @Test func theArgumentParserAndEveryVerb() {
        var rng = SeededGenerator(seed: Self.seed)
        let sandbox = Sandbox()
        // `backup` writes where its argument says; the fuzzer never writes outside its folder.
        let leaves = CommandTable.root.leaves().filter { $0.path.first != "backup" }
        let parser = ArgumentParser(root: CommandTable.root, globals: CommandTable.globals, now: testNow)
        for index in 0..<3000 {
            let (path, node) = rng.pick(leaves)
            var words = Self.commandLine(path, node, &rng, folder: sandbox.folder)
            if words.contains("backup") { words.removeAll { $0 == "backup" } }
            // Purges share the process-wide Ctrl-C flag with tests running
            // beside this one: they are only parsed here (PurgeEngineTests and
            // the end-to-end tests run them).
            if words.contains("purge") {
                _ = try? parser.parse(["--db", sandbox.db] + words)
                continue
            }
            let stdin: [UInt8] = rng.chance(30) ? Array(rng.pick(["pw-alice-123\n", Self.validToken, "{}", "", "\u{0}\n",
                                                                  String(repeating: "p", count: 100) + "\n"]).utf8) : []
            sandbox.check("parser case \(index) (seed \(Self.seed))", words, stdin: stdin)
        }
        // Invalid UTF-8 anywhere in argv.
        for index in 0..<50 {
            var raw = Self.commandLine(["users", "show"], CommandTable.node(at: ["users", "show"])!, &rng, folder: sandbox.folder)
                .map { Array($0.utf8) }
            // The mutations may have dropped every word.
            guard !raw.isEmpty else { continue }
            let i = Int.random(in: 0..<raw.count, using: &rng)
            raw[i].insert(rng.pick([0xFF, 0xC3, 0x80, 0xED]), at: Int.random(in: 0...raw[i].count, using: &rng))
            sandbox.check("raw case \(index)", [], raw: raw)
        }
        print("parser fuzz statuses: \(sandbox.statuses.sorted { $0.key < $1.key })")
        // Enough lines get through to the verbs (one in twenty succeeds) for the fuzz to reach them.
        #expect(sandbox.statuses[0, default: 0] > 150 && sandbox.statuses[64, default: 0] > 200
                && sandbox.statuses[65, default: 0] > 20 && sandbox.statuses[66, default: 0] > 20)
    }

    /// Byte-level mutations of a valid document.
    static func mutate(_ text: String, _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = Array(text.utf8)
        let specials: [[UInt8]] = [[0x22], [0x2C], [0x0A], [0x0D, 0x0A], [0x7B], [0x7D], [0x5B], [0x5D], [0x00], [0xFF],
                                   [0xEF, 0xBB, 0xBF], [0x5C], Array("null".utf8), Array("1e400".utf8), Array("NaN".utf8),
                                   Array(String(repeating: "[", count: 200).utf8), Array("\"username\": \"alice\"".utf8)]
        for _ in 0..<Int.random(in: 1...4, using: &rng) where !bytes.isEmpty {
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
            case 1: bytes.insert(contentsOf: rng.pick(specials), at: i)
            case 2: bytes.removeSubrange(i..<min(bytes.count, i + Int.random(in: 1...20, using: &rng)))
            case 3: bytes = Array(bytes[..<i])
            default:
                let j = Int.random(in: i..<bytes.count, using: &rng)
                bytes.insert(contentsOf: bytes[i...j], at: j)
            }
        }
        return bytes
    }

    @Test func everyImporter() {
        var rng = SeededGenerator(seed: Self.seed &+ 1)
        let sandbox = Sandbox()
        let formats = ["json", "jsonl", "csv"]
        for index in 0..<1500 {
            let which = index % 3
            let path = sandbox.folder.write("fuzz-\(index % 7).\(formats[which])",
                                            bytes: Self.mutate(Self.seedDocuments[which], &rng))
            var arguments = ["users", "import", path]
            if rng.chance(30) { arguments += ["--on-conflict", rng.pick(["fail", "skip", "update"])] }
            if rng.chance(20) { arguments += ["--format", rng.pick(formats)] }
            if rng.chance(10) { arguments.append("--dry-run") }
            sandbox.check("import case \(index) (seed \(Self.seed &+ 1))", arguments)
            unlink(path)
        }
        print("import fuzz statuses: \(sandbox.statuses.sorted { $0.key < $1.key })")
        #expect(sandbox.statuses[0, default: 0] > 20 && sandbox.statuses[65, default: 0] > 500)
    }

    @Test func tokenInputAndLogContext() {
        var rng = SeededGenerator(seed: Self.seed &+ 2)
        let sandbox = Sandbox()
        let fresh = JWT.encode(claims: .object([("sub", .string("bob")), ("user_id", .integer(2)), ("exp", .integer(4_102_444_800))]),
                               algorithm: .hs256, secret: Array(jwtSecret.utf8))
        for index in 0..<1000 {
            let token = Self.mutate(rng.chance(50) ? fresh : Self.validToken, &rng)
            var arguments = ["tokens", rng.pick(["revoke", "revoke", "check"]), "--stdin"]
            if arguments[1] == "revoke" && rng.chance(40) { arguments.append("--verify") }
            if arguments[1] == "revoke" && rng.chance(20) { arguments += ["--expires-at", "2100-01-01"] }
            sandbox.check("token case \(index) (seed \(Self.seed &+ 2))", arguments, stdin: token)
        }
        let context = "{\"host\": \"db1\", \"attempts\": [1, 2.5, -3e2], \"ok\": true, \"none\": null, \"s\": \"\\u00e9\\n\"}"
        for index in 0..<800 {
            let bytes = rng.chance(20) ? Array(context.utf8) : Self.mutate(context, &rng)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                sandbox.check("context raw case \(index)", [], raw: ["logs", "add", "--type", "T", "--message", "M", "--context"]
                    .map { Array($0.utf8) } + [bytes])
                continue
            }
            sandbox.check("context case \(index) (seed \(Self.seed &+ 2))",
                          ["logs", "add", "--type", "T", "--message", "M", "--context", text])
        }
        print("token and context fuzz statuses: \(sandbox.statuses.sorted { $0.key < $1.key })")
        #expect(sandbox.statuses[0, default: 0] > 50 && sandbox.statuses[1, default: 0] > 20
                && sandbox.statuses[65, default: 0] > 200)
    }
}
