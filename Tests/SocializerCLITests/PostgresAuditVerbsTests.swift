import Foundation
import Testing
import SocializerCore
@testable import SocializerCLI
@testable import SocializerStore
import TestSupport

/// `audit list`, `show` and `purge` on both engines (issue 16, phase 2):
/// the trail the other verbs wrote, read and purged the same way.
extension PostgresVerbsTests {
    @Test func auditVerbsGiveTheSameOutputOnBothEngines() throws {
        createRooms()
        for arguments in [["-q", "skills", "add", "empathy", "Patience"], ["-q", "skills", "set-level", "alice", "empathy", "3"],
                          ["-q", "training", "start", "alice", "Patience"], ["-q", "users", "update", "carol", "--username", "Lobby"]] {
            #expect(same(arguments).status == 0, "\(arguments)")
        }
        // Older entries, for the time filters and the purge.
        for db in try connections() {
            try db.execute("UPDATE admin_audit SET at = ? WHERE id <= 5", [testNow.adding(seconds: -86400 * 100).databaseText])
        }
        for (arguments, status) in [
            (["audit", "list"], 0), (["--json", "audit", "list", "--limit", "3"], 0), (["--format", "csv", "audit", "list"], 0),
            (["audit", "list", "--command", "rooms"], 0), (["audit", "list", "--command", "ROOMS"], 0),
            (["audit", "list", "--command", "rooms messages post"], 0), (["audit", "list", "--command", "rooms%"], 0),
            (["audit", "list", "--target", "lobby"], 0), (["audit", "list", "--target", "Lobby"], 0), (["audit", "list", "--target", "LOBBY"], 0),
            (["audit", "list", "--target", "users"], 0), (["audit", "list", "--target", "alice"], 0), (["audit", "list", "--target", "Patience"], 0),
            (["audit", "list", "--target", "empathy"], 0), (["audit", "list", "--target", "a*"], 0), (["audit", "list", "--target", "_"], 0),
            (["audit", "list", "--actor", "nobody"], 0), (["audit", "list", "--since", "30d"], 0), (["audit", "list", "--until", "30d"], 0),
            (["audit", "show", "1"], 0), (["--json", "audit", "show", "7"], 0), (["audit", "show", "999"], 66),
            (["--dry-run", "audit", "purge", "--older-than", "90d"], 0), (["-q", "audit", "purge", "--older-than", "90d", "--batch-size", "2"], 0),
            (["audit", "list", "--limit", "2", "--command", "users"], 0),
        ] {
            #expect(same(arguments).status == Int32(status), "\(arguments)")
        }
        try tablesMatch()
    }
}
