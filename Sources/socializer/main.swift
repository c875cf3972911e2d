#if canImport(Glibc)
import Glibc
#endif
import SocializerCLI

// All logic lives in SocializerCLI; this only hands over the process's
// raw argv, environment and standard streams, and exits with the code.
exit(CommandLineTool.runProcess())
