#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H
#include <sqlite3.h>

/* SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift
   cannot import; wrap it so text and blobs are copied at bind time. The
   64-bit calls take lengths past 2 GiB (SQLite then refuses them as too big
   instead of a 32-bit length wrapping). */
static inline int csqlite_bind_text_transient(sqlite3_stmt *s, int i, const char *text, sqlite3_uint64 n) {
    return sqlite3_bind_text64(s, i, text, n, SQLITE_TRANSIENT, SQLITE_UTF8);
}
static inline int csqlite_bind_blob_transient(sqlite3_stmt *s, int i, const void *data, sqlite3_uint64 n) {
    return sqlite3_bind_blob64(s, i, data, n, SQLITE_TRANSIENT);
}
static inline void csqlite_result_text_transient(sqlite3_context *c, const char *text, sqlite3_uint64 n) {
    sqlite3_result_text64(c, text == 0 ? "" : text, n, SQLITE_TRANSIENT, SQLITE_UTF8);
}
/* Extended result codes are macro expressions Swift cannot import. */
static const int CSQLITE_CONSTRAINT_UNIQUE = SQLITE_CONSTRAINT_UNIQUE;
static const int CSQLITE_CONSTRAINT_PRIMARYKEY = SQLITE_CONSTRAINT_PRIMARYKEY;
static const int CSQLITE_CONSTRAINT_NOTNULL = SQLITE_CONSTRAINT_NOTNULL;
static const int CSQLITE_CONSTRAINT_FOREIGNKEY = SQLITE_CONSTRAINT_FOREIGNKEY;
static const int CSQLITE_CONSTRAINT_CHECK = SQLITE_CONSTRAINT_CHECK;
#endif
