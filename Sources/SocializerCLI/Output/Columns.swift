/// One output column of a model: its header and how a row fills it,
/// declared together so that `list`, `show` and the checks of `--fields`
/// can never disagree about a name or its position.
public struct Column<Model>: Sendable {
    public let name: String
    let cell: @Sendable (Model) -> Cell

    public init(_ name: String, _ cell: @escaping @Sendable (Model) -> Cell) {
        self.name = name
        self.cell = cell
    }
}

/// An ordered set of columns of one model.
public struct Columns<Model>: Sendable {
    public let all: [Column<Model>]

    public init(_ all: [Column<Model>]) { self.all = all }

    public var names: [String] { all.map(\.name) }

    public func cells(_ model: Model) -> [Cell] { all.map { $0.cell(model) } }

    /// `name: cell` pairs for `show` verbs.
    public func record(_ model: Model) -> [(String, Cell)] { all.map { ($0.name, $0.cell(model)) } }

    /// These columns, limited to `names` in that order (a list view of a larger record).
    public func only(_ names: [String]) -> Columns {
        Columns(names.map { name in
            guard let column = all.first(where: { $0.name == name }) else { preconditionFailure("no column \(name)") }
            return column
        })
    }

    /// What `--fields` may pick from: every column, in every format.
    public var output: OutputDeclaration {
        let names = self.names
        return { _, _ in .fields(names) }
    }

    /// Streams `models` as rows.
    public func render(_ context: CommandContext, _ each: ((Model) throws -> Void) throws -> Void) throws {
        let renderer = context.rowRenderer()
        try renderer.begin(columns: names)
        try each { try renderer.row(cells($0)) }
        renderer.finish()
    }
}
