import Testing
@testable import SocializerStore

/// The domain catalogue names real columns of the compiled schema, and the
/// typed part covers every BOOLEAN, DATE, DATETIME and JSON column.
@Suite struct DomainsTests {
    @Test func everyDomainNamesAColumnOfTheSchema() {
        for domain in ColumnDomain.all {
            let table = SchemaModel.tables.first { $0.name == domain.table }
            #expect(table?.columnNames.contains(domain.column) == true, "\(domain.table).\(domain.column)")
        }
    }

    @Test func typedDomainsFollowTheDeclaredTypes() {
        let dates = ColumnDomain.typed.filter { $0.rule == .date }.map { "\($0.table).\($0.column)" }
        #expect(Set(dates) == ["users.member_since", "training.started_at", "training.completed_at",
                               "user_preferences.last_updated"])
        #expect(ColumnDomain.typed.contains(ColumnDomain(table: "room_members", column: "is_active", rule: .boolean)))
        #expect(ColumnDomain.typed.contains(ColumnDomain(table: "room_messages", column: "message_metadata", rule: .json)))
    }

    @Test func enumerationsAreTheSpecsValues() {
        #expect(RoomType.allCases.map(\.rawValue) == ["direct", "group", "private"])
        #expect(TrainingStatus.allCases.map(\.rawValue) == ["pending", "active", "paused", "completed"])
        #expect(DomainRange.skillLevel == 0...10)
    }
}
