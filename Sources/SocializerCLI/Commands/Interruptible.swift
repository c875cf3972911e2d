#if canImport(Glibc)
import Glibc
#endif
import SocializerStore

/// Ctrl-C during a long write (a load, a generation, an import, a purge):
/// the flag is checked between records or batches; the open transaction
/// rolls back, exit 130.
enum Interruptible {
    static func run<T>(_ body: () throws -> T) throws -> T {
        Interruption.reset()
        let previous = signal(SIGINT) { _ in Interruption.request() }
        // A parent may have blocked SIGINT (the mask is inherited); Ctrl-C must reach us.
        var unblock = sigset_t()
        var saved = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, &saved)
        defer {
            pthread_sigmask(SIG_SETMASK, &saved, nil)
            signal(SIGINT, previous)
        }
        return try body()
    }
}
