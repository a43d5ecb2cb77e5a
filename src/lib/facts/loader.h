/* What the dynamic loader would pick for a plain dlopen("SONAME") from a program without
 * RPATH/RUNPATH: LD_LIBRARY_PATH, then /etc/ld.so.cache, then the default directories
 * (shared/formats/ldso.md §2). */
#ifndef CUVET_LOADER_H
#define CUVET_LOADER_H

#include "probe.h"

enum loader_via { LOADER_NONE, LOADER_LD_LIBRARY_PATH, LOADER_CACHE, LOADER_DEFAULT };
const char *loader_via_name(enum loader_via via);

/* Writes the in-root path the loader would open for SONAME to OUT. */
enum loader_via loader_pick(struct probe_ctx *pc, const char *soname, char *out, size_t outlen);
/* The cache flags of the probed machine's native libraries (0x303 on x86-64). */
int32_t loader_native_flags(const struct probe_ctx *pc);
/* Splits LD_LIBRARY_PATH the way ld.so does (':' and ';'); calls FN for each non-empty entry. */
void loader_each_ld_library_path(const char *value, void (*fn)(const char *dir, size_t len, void *ctx), void *ctx);
/* The default trusted directories of this system's loader. */
extern const char *const loader_default_dirs[];

#endif
