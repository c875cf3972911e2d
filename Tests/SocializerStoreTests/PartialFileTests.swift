import Foundation
import Testing
import TestSupport
@testable import SocializerStore

/// Temporary files named by process id, and who may remove them.
@Suite struct PartialFileTests {
    let folder = TemporaryDirectory()

    /// A process id that has just ended (not reused within the test).
    func deadProcessID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test func theOwnerIsReadOnlyFromTheMarkerAndACompanionSuffix() {
        #expect(PartialFile.ownerProcess(ofPartialFileNamed: "a.db.socializer-partial-123") == 123)
        #expect(PartialFile.ownerProcess(ofPartialFileNamed: "a.db.bak-v1-20260101T000000Z.socializer-partial-9-journal") == 9)
        #expect(PartialFile.ownerProcess(ofPartialFileNamed: "a.db.socializer-partial-77-wal") == 77)
        for name in ["a.db", ".socializer-partial-12", "a.db.socializer-partial-", "a.db.socializer-partial-12x",
                     "a.db.socializer-partial-12-old", "a.db.partial-12", "a.db.socializer-partial-0"] {
            #expect(PartialFile.ownerProcess(ofPartialFileNamed: name) == nil, "\(name)")
        }
    }

    /// Leftovers of a dead process go; those of live processes and every
    /// other file stay.
    @Test func onlyTheFilesOfDeadProcessesAreRemoved() throws {
        let dead = try deadProcessID()
        let live = getppid()
        let names = ["copy.db.socializer-partial-\(dead)", "copy.db.socializer-partial-\(dead)-journal",
                     "other.db.bak-v1-20260101T000000Z.socializer-partial-\(dead)",
                     "copy.db.socializer-partial-\(live)", "copy.db.socializer-partial-\(getpid())",
                     "copy.db", "notes.socializer-partial-\(dead).txt", "copy.db.partial-\(dead)"]
        for name in names { _ = folder.write(name, "x") }
        PartialFile.removeStale(besides: folder.file("new.db"))
        #expect(folder.listing() == names.dropFirst(3).sorted())
    }

    @Test func placingNeverReplacesAFile() throws {
        let partial = PartialFile(destination: folder.file("copy.db"))
        _ = folder.write("copy.db", "someone else's")
        _ = folder.write("copy.db" + PartialFile.marker + "\(getpid())", "ours")
        #expect(try partial.place() == false)
        #expect(String(decoding: FileManager.default.contents(atPath: folder.file("copy.db"))!, as: UTF8.self) == "someone else's")
        #expect(try partial.place(at: folder.file("copy.db-2")))
        #expect(folder.listing() == ["copy.db", "copy.db-2"])
    }

    /// Short transactions add up to the minimum before a pause; long ones
    /// pause as long as they held the lock, at most 25 ms.
    @Test func thePacerPaysBackLockTime() {
        var pacer = LockPacer()
        #expect(pacer.pauseMilliseconds(afterHolding: 0.3) == 0)
        #expect(pacer.pauseMilliseconds(afterHolding: 0.3) == 0)
        #expect(abs(pacer.pauseMilliseconds(afterHolding: 0.5) - 1.1) < 1e-9)
        #expect(pacer.pauseMilliseconds(afterHolding: 0.2) == 0)
        #expect(pacer.pauseMilliseconds(afterHolding: 7) == 7.2)
        #expect(pacer.pauseMilliseconds(afterHolding: 80) == 25)
    }
}
