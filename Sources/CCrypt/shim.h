#ifndef CCRYPT_SHIM_H
#define CCRYPT_SHIM_H
#include <crypt.h>

/* Sizes are macros; expose them as functions Swift can call. */
static inline int ccrypt_output_size(void) { return CRYPT_OUTPUT_SIZE; }
static inline int ccrypt_gensalt_output_size(void) { return CRYPT_GENSALT_OUTPUT_SIZE; }
#endif
