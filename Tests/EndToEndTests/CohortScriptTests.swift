import Foundation
import Testing
import TestSupport
@testable import SocializerCore
@testable import SocializerStore

/// The cohort set-up script of socializer-skills(1), taken from the page
/// itself and run with `sh` against the built binary: it sets everything
/// up, can be run again without changing anything, and stops at an
/// unknown user.
@Suite struct CohortScriptTests {
    let folder = TemporaryDirectory()

    /// The script as the reader sees it: the `.nf` block after "Set up a cohort", roff escapes undone.
    static func script() throws -> String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let page = try String(contentsOfFile: url.path + "/man/socializer-skills.1", encoding: .utf8)
        guard let intro = page.range(of: "Set up a cohort"),
              let start = page[intro.upperBound...].range(of: "\n.nf\n"),
              let end = page[start.upperBound...].range(of: "\n.fi\n") else {
            throw SocializerError.internalError("no cohort script in socializer-skills.1")
        }
        return String(page[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "\\-", with: "-")
            .replacingOccurrences(of: "\\e", with: "\\") + "\n"
    }

    /// Runs `command` with `sh -c` in the folder, the binary first on PATH.
    func shell(_ command: String) throws -> BinaryTests.Outcome {
        let binaries = URL(fileURLWithPath: BinaryTests.binary).deletingLastPathComponent().path
        return try BinaryTests.spawn("/bin/sh", ["-c", command], directory: folder.path, environment: [
            "PATH": "\(binaries):/usr/bin:/bin", "SOCIALIZER_DB": folder.file("app.db"), "SOCIALIZER_BCRYPT_COST": "4"])
    }

    /// Every row of the three tables the script writes.
    func state() throws -> [[DatabaseValue]] {
        let db = try Connection(path: folder.file("app.db"), mode: .readOnly)
        return try ["skills", "user_skills", "training"].flatMap { table in
            try db.rows("SELECT * FROM \(table) ORDER BY rowid").map { [.text(table)] + $0.values }
        }
    }

    @Test func theManPagesCohortScriptSetsUpRunsAgainAndStopsAtAnUnknownUser() throws {
        let script = try Self.script()
        #expect(script.hasPrefix("#!/bin/sh\nset -eu\n") && script.contains("done < cohort.txt"), "\(script)")
        _ = folder.write("cohort.sh", script)
        var setUp = "socializer -q migrate up"
        for name in ["ada", "ben", "cy"] {
            setUp += " && printf 'pw-\(name)-1234\\n' | socializer -q users create \(name) --no-email --password-stdin"
        }
        let created = try shell(setUp)
        #expect(created.status == 0, "\(created.stderr)")
        // One user already training: the script leaves that training as it is.
        #expect(try shell("socializer -q skills add empathy && socializer -q training start cy empathy --notes mine").status == 0)
        _ = folder.write("cohort.txt", "ada\nben\n\ncy\n")

        let first = try shell("sh cohort.sh")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("spring cohort") && first.stdout.contains("mine"), "\(first.stdout)")
        let levels = try shell("socializer --format csv skills levels active_listening")
        #expect(levels.stdout == "user_id,user,level\r\n1,ada,3\r\n2,ben,3\r\n3,cy,3\r\n", "\(levels.stdout)")
        let training = try shell("socializer --format csv --no-header --fields user,status,notes training list --skill empathy")
        #expect(training.stdout == "ada,active,spring cohort\r\nben,active,spring cohort\r\ncy,active,mine\r\n")

        let before = try state()
        let again = try shell("sh cohort.sh")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try state() == before, "a second run changes nothing")

        _ = folder.write("cohort.txt", "ada\nnobody\nben\n")
        let stopped = try shell("sh cohort.sh")
        #expect(stopped.status == 66 && stopped.stderr == "socializer: error: user 'nobody' not found\n", "\(stopped.stderr)")
        #expect(try state() == before)
    }
}
