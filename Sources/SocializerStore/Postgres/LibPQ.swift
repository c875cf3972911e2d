import SocializerCore
#if canImport(Glibc)
import Glibc
#endif

/// libpq, the PostgreSQL client library, opened with `dlopen` the first
/// time a PostgreSQL URL is used, and its functions found with `dlsym`.
/// The binary does not link it: libpq pulls in two dozen libraries
/// (Kerberos, LDAP, OpenSSL's libssl …) whose loading every SQLite command
/// would otherwise pay for at start-up, and a machine without it still runs
/// every SQLite command.
///
/// The C signatures below are those of `libpq-fe.h`
/// (https://www.postgresql.org/docs/current/libpq.html), declared here so
/// that building needs no libpq headers either. Pointers to libpq's
/// structures are opaque; enums are C `int`s.
public struct LibPQ: @unchecked Sendable {
    /// The file opened unless `$SOCIALIZER_LIBPQ` names another: libpq's
    /// soname since PostgreSQL 8.2, from Debian's and Ubuntu's `libpq5`.
    public static let defaultLibrary = "libpq.so.5"
    public static let libraryVariable = "SOCIALIZER_LIBPQ"

    typealias Strings = UnsafePointer<UnsafePointer<CChar>?>
    typealias Text = UnsafeMutablePointer<CChar>
    typealias NoticeProcessor = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Void

    /// The library file that was opened.
    public let library: String

    // Connecting (libpq-connect.html).
    let connectdbParams: @convention(c) (Strings?, Strings?, Int32) -> OpaquePointer?
    let conninfoParse: @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<Text?>?) -> UnsafeMutableRawPointer?
    let conndefaults: @convention(c) () -> UnsafeMutableRawPointer?
    let conninfoFree: @convention(c) (UnsafeMutableRawPointer?) -> Void
    let finish: @convention(c) (OpaquePointer?) -> Void
    // Connection status (libpq-status.html).
    let status: @convention(c) (OpaquePointer?) -> Int32
    let transactionStatus: @convention(c) (OpaquePointer?) -> Int32
    let errorMessage: @convention(c) (OpaquePointer?) -> Text?
    let host: @convention(c) (OpaquePointer?) -> Text?
    let port: @convention(c) (OpaquePointer?) -> Text?
    let db: @convention(c) (OpaquePointer?) -> Text?
    let user: @convention(c) (OpaquePointer?) -> Text?
    let serverVersion: @convention(c) (OpaquePointer?) -> Int32
    let libVersion: @convention(c) () -> Int32
    let setNoticeProcessor: @convention(c) (OpaquePointer?, NoticeProcessor?, UnsafeMutableRawPointer?) -> NoticeProcessor?
    // Running commands (libpq-exec.html, libpq-async.html, libpq-single-row-mode.html).
    let exec: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> OpaquePointer?
    let execParams: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafePointer<UInt32>?, Strings?,
                                    UnsafePointer<Int32>?, UnsafePointer<Int32>?, Int32) -> OpaquePointer?
    let prepare: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int32,
                                 UnsafePointer<UInt32>?) -> OpaquePointer?
    let execPrepared: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32, Strings?, UnsafePointer<Int32>?,
                                      UnsafePointer<Int32>?, Int32) -> OpaquePointer?
    let sendQueryParams: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafePointer<UInt32>?, Strings?,
                                         UnsafePointer<Int32>?, UnsafePointer<Int32>?, Int32) -> Int32
    let sendQueryPrepared: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32, Strings?, UnsafePointer<Int32>?,
                                           UnsafePointer<Int32>?, Int32) -> Int32
    let setSingleRowMode: @convention(c) (OpaquePointer?) -> Int32
    let getResult: @convention(c) (OpaquePointer?) -> OpaquePointer?
    let getCancel: @convention(c) (OpaquePointer?) -> OpaquePointer?
    let cancel: @convention(c) (OpaquePointer?, Text?, Int32) -> Int32
    let freeCancel: @convention(c) (OpaquePointer?) -> Void
    // Results.
    let resultStatus: @convention(c) (OpaquePointer?) -> Int32
    let resultErrorField: @convention(c) (OpaquePointer?, Int32) -> Text?
    let resultErrorMessage: @convention(c) (OpaquePointer?) -> Text?
    let clear: @convention(c) (OpaquePointer?) -> Void
    let ntuples: @convention(c) (OpaquePointer?) -> Int32
    let nfields: @convention(c) (OpaquePointer?) -> Int32
    let fname: @convention(c) (OpaquePointer?, Int32) -> Text?
    let ftype: @convention(c) (OpaquePointer?, Int32) -> UInt32
    let getisnull: @convention(c) (OpaquePointer?, Int32, Int32) -> Int32
    let getvalue: @convention(c) (OpaquePointer?, Int32, Int32) -> Text?
    let getlength: @convention(c) (OpaquePointer?, Int32, Int32) -> Int32
    let cmdTuples: @convention(c) (OpaquePointer?) -> Text?
    // COPY … FROM STDIN (libpq-copy.html).
    let putCopyData: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32
    let putCopyEnd: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Int32

    /// Opens libpq (`$SOCIALIZER_LIBPQ`, else `libpq.so.5` from the
    /// system's library path) and finds every function above; exit 69 with
    /// the package to install when it cannot. Opening it again is cheap: the
    /// dynamic loader keeps it loaded once opened.
    public static func load(environment: [String: String]) throws -> LibPQ {
        var library = defaultLibrary
        if let named = environment[libraryVariable] {
            guard !named.isEmpty else {
                throw SocializerError.configuration("$\(libraryVariable) is set but empty",
                                                    hint: "unset it to load \(defaultLibrary), or set it to the libpq file to load")
            }
            library = named
        }
        guard let handle = dlopen(library, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "\(library) could not be opened"
            throw SocializerError(.unavailable, "PostgreSQL databases need libpq, the PostgreSQL client library, and it could not be loaded",
                                  hint: "install the libpq5 package (Debian, Ubuntu: apt-get install libpq5; Fedora: dnf install libpq), "
                                      + "or set $\(libraryVariable) to the path of libpq.so.5",
                                  details: [reason])
        }
        func function<F>(_ name: String) throws -> F {
            guard let address = dlsym(handle, name) else {
                throw SocializerError(.unavailable, "the libpq loaded from \(library) has no \(name): it is too old for socializer",
                                      hint: "install a current libpq5 package (PostgreSQL 12 or later)")
            }
            return unsafeBitCast(address, to: F.self)
        }
        return LibPQ(
            library: library,
            connectdbParams: try function("PQconnectdbParams"), conninfoParse: try function("PQconninfoParse"),
            conndefaults: try function("PQconndefaults"), conninfoFree: try function("PQconninfoFree"),
            finish: try function("PQfinish"), status: try function("PQstatus"),
            transactionStatus: try function("PQtransactionStatus"), errorMessage: try function("PQerrorMessage"),
            host: try function("PQhost"), port: try function("PQport"), db: try function("PQdb"), user: try function("PQuser"),
            serverVersion: try function("PQserverVersion"), libVersion: try function("PQlibVersion"),
            setNoticeProcessor: try function("PQsetNoticeProcessor"),
            exec: try function("PQexec"), execParams: try function("PQexecParams"), prepare: try function("PQprepare"),
            execPrepared: try function("PQexecPrepared"), sendQueryParams: try function("PQsendQueryParams"),
            sendQueryPrepared: try function("PQsendQueryPrepared"), setSingleRowMode: try function("PQsetSingleRowMode"),
            getResult: try function("PQgetResult"), getCancel: try function("PQgetCancel"), cancel: try function("PQcancel"),
            freeCancel: try function("PQfreeCancel"),
            resultStatus: try function("PQresultStatus"), resultErrorField: try function("PQresultErrorField"),
            resultErrorMessage: try function("PQresultErrorMessage"), clear: try function("PQclear"),
            ntuples: try function("PQntuples"), nfields: try function("PQnfields"), fname: try function("PQfname"),
            ftype: try function("PQftype"), getisnull: try function("PQgetisnull"), getvalue: try function("PQgetvalue"),
            getlength: try function("PQgetlength"), cmdTuples: try function("PQcmdTuples"),
            putCopyData: try function("PQputCopyData"), putCopyEnd: try function("PQputCopyEnd"))
    }

    /// `20` for libpq 20.x, `15` for 15.x (PQlibVersion: major * 10000 + minor).
    public var majorVersion: Int { Int(libVersion()) / 10000 }

    // Values of libpq's C enums and field codes (libpq-fe.h, postgres_ext.h).
    static let connectionOK: Int32 = 0
    enum ResultStatus {
        static let emptyQuery: Int32 = 0
        static let commandOK: Int32 = 1
        static let tuplesOK: Int32 = 2
        static let copyIn: Int32 = 4
        static let singleTuple: Int32 = 9
    }
    enum TransactionStatus {
        static let inTransaction: Int32 = 2
        static let inError: Int32 = 3
    }
    /// PG_DIAG_* codes of PQresultErrorField (libpq-exec.html).
    enum Field {
        static let sqlState = Int32(UInt8(ascii: "C"))
        static let primaryMessage = Int32(UInt8(ascii: "M"))
        static let detail = Int32(UInt8(ascii: "D"))
        static let context = Int32(UInt8(ascii: "W"))
        static let table = Int32(UInt8(ascii: "t"))
        static let column = Int32(UInt8(ascii: "c"))
        static let constraint = Int32(UInt8(ascii: "n"))
    }

    /// `PQconninfoOption` (libpq-connect.html#LIBPQ-PQCONNDEFAULTS): six
    /// `char *` (keyword, envvar, compiled, val, label, dispchar) and an
    /// `int`, an array ended by a NULL keyword. Read by offset, as its C
    /// layout is fixed.
    static func conninfoOptions(_ array: UnsafeMutableRawPointer) -> [(keyword: String, environmentVariable: String?, value: String?)] {
        let pointer = MemoryLayout<UnsafePointer<CChar>?>.stride
        let stride = (6 * pointer + MemoryLayout<Int32>.size + pointer - 1) / pointer * pointer
        var options: [(String, String?, String?)] = []
        var entry = array
        while let keyword = entry.load(as: UnsafePointer<CChar>?.self) {
            let environmentVariable = entry.load(fromByteOffset: pointer, as: UnsafePointer<CChar>?.self)
            let value = entry.load(fromByteOffset: 3 * pointer, as: UnsafePointer<CChar>?.self)
            options.append((String(cString: keyword), environmentVariable.map { String(cString: $0) }, value.map { String(cString: $0) }))
            entry += stride
        }
        return options
    }
}
